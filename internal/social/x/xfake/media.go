package xfake

import (
	"bytes"
	"encoding/json"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

func (s *Server) mediaInit(w http.ResponseWriter, r *http.Request, body []byte) {
	if !s.rateLimit(w, "POST /2/media/upload", false) {
		return
	}
	var req struct {
		MediaType     string `json:"media_type"`
		TotalBytes    int    `json:"total_bytes"`
		MediaCategory string `json:"media_category"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		invalidRequest(w, "The request body is not valid JSON.")
		return
	}
	switch {
	case !strings.HasPrefix(req.MediaType, "image/") && !strings.HasPrefix(req.MediaType, "video/"):
		invalidRequest(w, "media_type must be an image or video type.")
		return
	case req.TotalBytes <= 0 || req.TotalBytes > 512<<20:
		invalidRequest(w, "total_bytes is out of range.")
		return
	}
	switch req.MediaCategory {
	case "tweet_image", "tweet_gif", "tweet_video", "amplify_video":
	default:
		invalidRequest(w, "media_category must be tweet_image, tweet_gif, tweet_video or amplify_video.")
		return
	}
	s.mu.Lock()
	id := s.nextIDLocked()
	s.media[id] = &Media{ID: id, Type: req.MediaType, Category: req.MediaCategory, Total: req.TotalBytes, State: "uploading"}
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{"data": map[string]any{"id": id, "media_key": "3_" + id, "expires_after_secs": 86400}})
}

func (s *Server) mediaAppend(w http.ResponseWriter, r *http.Request, body []byte) {
	if !s.rateLimit(w, "POST /2/media/upload", false) {
		return
	}
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		invalidRequest(w, "append takes multipart/form-data.")
		return
	}
	form, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(maxBody)
	if err != nil {
		invalidRequest(w, "The multipart body does not parse.")
		return
	}
	defer func() { _ = form.RemoveAll() }()
	idx, err := strconv.Atoi(first(form.Value["segment_index"]))
	files := form.File["media"]
	if err != nil || idx < 0 || idx > 999 || len(files) != 1 {
		invalidRequest(w, "append needs segment_index (0–999) and one media part.")
		return
	}
	f, err := files[0].Open()
	if err != nil {
		invalidRequest(w, "The media part does not read.")
		return
	}
	var chunk bytes.Buffer
	_, err = chunk.ReadFrom(f)
	_ = f.Close()
	if err != nil {
		invalidRequest(w, "The media part does not read.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.media[r.PathValue("id")]
	if m == nil || m.State != "uploading" {
		invalidRequest(w, "Unknown or finalised media id.")
		return
	}
	m.Bytes = append(m.Bytes, chunk.Bytes()...)
	writeJSON(w, 200, map[string]any{"data": map[string]any{"expires_at": s.o.Now().Add(24 * 3600e9).Unix()}})
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func (s *Server) mediaFinalize(w http.ResponseWriter, r *http.Request, _ []byte) {
	if !s.rateLimit(w, "POST /2/media/upload", false) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.media[r.PathValue("id")]
	if m == nil || m.State != "uploading" {
		invalidRequest(w, "Unknown or finalised media id.")
		return
	}
	if len(m.Bytes) != m.Total {
		invalidRequest(w, "File size mismatch: received "+strconv.Itoa(len(m.Bytes))+" of "+strconv.Itoa(m.Total)+" bytes.")
		return
	}
	data := map[string]any{"id": m.ID, "media_key": "3_" + m.ID, "size": m.Total, "expires_after_secs": 86400}
	m.fail, s.failMedia = s.failMedia, false
	if m.Category == "tweet_image" && !m.fail {
		m.State = "" // images are ready at once: no processing_info
	} else {
		m.State = "pending"
		data["processing_info"] = map[string]any{"state": "pending", "check_after_secs": 1}
	}
	writeJSON(w, 200, map[string]any{"data": data})
}

// mediaStatus moves a processing item along pending → in_progress (for
// MediaPolls reads) → succeeded, or failed.
func (s *Server) mediaStatus(w http.ResponseWriter, r *http.Request, _ []byte) {
	if !s.rateLimit(w, "GET /2/media/upload", false) {
		return
	}
	q := r.URL.Query()
	if q.Get("command") != "STATUS" {
		invalidRequest(w, "command must be STATUS.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.media[q.Get("media_id")]
	if m == nil {
		invalidRequest(w, "Unknown media id.")
		return
	}
	info := map[string]any{}
	switch m.State {
	case "pending", "in_progress":
		m.polls++
		if m.polls <= s.o.MediaPolls {
			m.State = "in_progress"
			info["check_after_secs"] = 1
			info["progress_percent"] = 100 * m.polls / (s.o.MediaPolls + 1)
		} else if m.fail {
			m.State = "failed"
			info["error"] = map[string]any{"code": 1, "name": "InvalidMedia", "message": "Unsupported video format"}
		} else {
			m.State = "succeeded"
			info["progress_percent"] = 100
		}
	}
	state := m.State
	if state == "" {
		state = "succeeded"
	}
	info["state"] = state
	writeJSON(w, 200, map[string]any{"data": map[string]any{"id": m.ID, "media_key": "3_" + m.ID, "processing_info": info}})
}

func (s *Server) mediaMetadata(w http.ResponseWriter, r *http.Request, body []byte) {
	if !s.rateLimit(w, "POST /2/media/metadata", false) {
		return
	}
	var req struct {
		ID       string `json:"id"`
		Metadata struct {
			AltText struct {
				Text string `json:"text"`
			} `json:"alt_text"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		invalidRequest(w, "The request body is not valid JSON.")
		return
	}
	if n := utf8.RuneCountInString(req.Metadata.AltText.Text); n == 0 || n > 1000 {
		invalidRequest(w, "alt_text.text must be 1 to 1000 characters.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.media[req.ID]
	if m == nil {
		invalidRequest(w, "Unknown media id.")
		return
	}
	m.AltText = req.Metadata.AltText.Text
	writeJSON(w, 200, map[string]any{"data": map[string]any{"id": m.ID,
		"associated_metadata": map[string]any{"alt_text": map[string]any{"text": m.AltText}}}})
}
