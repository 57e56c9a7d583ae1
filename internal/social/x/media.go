package x

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/social"
)

// ChunkSize is the size of each append of a chunked upload.
const ChunkSize = 1 << 20

func category(contentType string) string {
	switch {
	case contentType == "image/gif":
		return "tweet_gif"
	case strings.HasPrefix(contentType, "video/"):
		return "tweet_video"
	}
	return "tweet_image"
}

type processingInfo struct {
	State          string `json:"state"`
	CheckAfterSecs int    `json:"check_after_secs"`
	Error          *struct {
		Message string `json:"message"`
	} `json:"error"`
}

type mediaResponse struct {
	Data struct {
		ID             string          `json:"id"`
		ProcessingInfo *processingInfo `json:"processing_info"`
	} `json:"data"`
}

// upload sends one media item through the v2 chunked endpoints
// (initialize, append, finalize, STATUS until processed) and sets its alt
// text, returning the media id.
func (c *Client) upload(ctx context.Context, m social.Media) (string, error) {
	s, err := c.secret(ctx)
	if err != nil {
		return "", err
	}
	if !s.hasScope("media.write") {
		return "", &social.Error{Network: social.X, Class: social.AuthExpired,
			Reason: "the X authorisation lacks the media.write scope; reconnect the X account to grant it"}
	}
	var init mediaResponse
	if err := c.callJSON(ctx, "POST /2/media/upload", http.MethodPost, "/2/media/upload/initialize", map[string]any{
		"media_type": m.ContentType, "total_bytes": len(m.Data), "media_category": category(m.ContentType),
	}, &init); err != nil {
		return "", err
	}
	id := init.Data.ID
	if id == "" || strings.Trim(id, "0123456789") != "" {
		return "", &social.Error{Network: social.X, Class: social.Transient, Reason: "X's media initialize answer has no valid id"}
	}
	for i := 0; i*ChunkSize < len(m.Data); i++ {
		chunk := m.Data[i*ChunkSize : min(len(m.Data), (i+1)*ChunkSize)]
		body, ct, err := appendBody(i, m, chunk)
		if err != nil {
			return "", err
		}
		resp, _, err := c.call(ctx, "POST /2/media/upload", http.MethodPost, "/2/media/upload/"+id+"/append", body, ct)
		if err != nil {
			return "", err
		}
		if err := c.decode(resp, nil); err != nil {
			return "", err
		}
	}
	var fin mediaResponse
	if err := c.callJSON(ctx, "POST /2/media/upload", http.MethodPost, "/2/media/upload/"+id+"/finalize", nil, &fin); err != nil {
		return "", err
	}
	if err := c.waitProcessed(ctx, id, fin.Data.ProcessingInfo); err != nil {
		return "", err
	}
	if m.Alt != "" {
		if err := c.callJSON(ctx, "POST /2/media/metadata", http.MethodPost, "/2/media/metadata", map[string]any{
			"id": id, "metadata": map[string]any{"alt_text": map[string]any{"text": m.Alt}},
		}, nil); err != nil {
			return "", err
		}
	}
	return id, nil
}

func appendBody(index int, m social.Media, chunk []byte) ([]byte, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("segment_index", strconv.Itoa(index)); err != nil {
		return nil, "", fmt.Errorf("x: %w", err)
	}
	h := textproto.MIMEHeader{}
	name := m.Filename
	if name == "" {
		name = "media"
	}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="media"; filename=%q`, name))
	h.Set("Content-Type", "application/octet-stream")
	w, err := mw.CreatePart(h)
	if err != nil {
		return nil, "", fmt.Errorf("x: %w", err)
	}
	if _, err := w.Write(chunk); err != nil {
		return nil, "", fmt.Errorf("x: %w", err)
	}
	if err := mw.Close(); err != nil {
		return nil, "", fmt.Errorf("x: %w", err)
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}

// waitProcessed polls STATUS until the media is processed, sleeping as X
// asks (check_after_secs) through the injected sleeper.
func (c *Client) waitProcessed(ctx context.Context, id string, info *processingInfo) error {
	for polls := 0; info != nil; polls++ {
		switch info.State {
		case "succeeded":
			return nil
		case "failed":
			reason := "X could not process the media"
			if info.Error != nil && info.Error.Message != "" {
				reason += ": " + clipReason(info.Error.Message)
			}
			return &social.Error{Network: social.X, Class: social.Rejected, Code: "media-failed", Reason: reason}
		case "pending", "in_progress":
		default:
			return &social.Error{Network: social.X, Class: social.Transient, Reason: fmt.Sprintf("X reports media state %q", clipReason(info.State))}
		}
		if polls == c.p.MaxPolls {
			return &social.Error{Network: social.X, Class: social.Transient, Reason: "X is still processing the media; try again later"}
		}
		wait := time.Duration(min(max(info.CheckAfterSecs, 1), 60)) * time.Second
		if err := c.p.Sleep(ctx, wait); err != nil {
			return &social.Error{Network: social.X, Class: social.Transient, Reason: "stopped waiting for X to process the media", Err: err}
		}
		var st mediaResponse
		q := url.Values{"command": {"STATUS"}, "media_id": {id}}
		if err := c.callJSON(ctx, "GET /2/media/upload", http.MethodGet, "/2/media/upload?"+q.Encode(), nil, &st); err != nil {
			return err
		}
		info = st.Data.ProcessingInfo
		if info == nil {
			return nil // no processing_info: ready
		}
	}
	return nil
}
