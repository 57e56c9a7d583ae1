package delegations

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
)

// maxField bounds one text field of the registration form.
const maxField = 4 << 10

// errForm is a registration form that cannot be read.
var errForm = &fault.Problem{Kind: fault.ErrInvalid, Key: "delegations_error_form"}

// RegistrationForm is the registration form as sent: the text fields and
// the two files, not yet checked.
type RegistrationForm struct {
	Input       RegistrationInput
	Credentials []byte
	Photo       []byte
}

// DecodeRegistrationForm reads a multipart/form-data body part by part,
// never holding more than a file's limit (plus one byte, to tell an
// oversize file) of each: a credentials letter over MaxCredentials or a
// photo over MaxPhoto is refused as too large, and a field sent twice, a
// text field over 4 KiB, a part that is not text or a body that is not
// multipart as a bad form. Unknown fields are skipped. The fields are not
// checked here (RegistrationInput.clean, checkPDF and photoType do).
func DecodeRegistrationForm(contentType string, body io.Reader) (RegistrationForm, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return RegistrationForm{}, errForm
	}
	mr := multipart.NewReader(body, params["boundary"])
	var f RegistrationForm
	seen := map[string]bool{}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return RegistrationForm{}, formErr(err)
		}
		name := p.FormName()
		if seen[name] && name != "" {
			return RegistrationForm{}, errForm
		}
		seen[name] = true
		switch name {
		case "credentials":
			if f.Credentials, err = readLimited(p, MaxCredentials, errPDFTooLarge); err != nil {
				return RegistrationForm{}, err
			}
		case "photo":
			if f.Photo, err = readLimited(p, MaxPhoto, errPhotoTooLarge); err != nil {
				return RegistrationForm{}, err
			}
		case "name", "title", "category", "email", "lang":
			b, err := readLimited(p, maxField, errForm)
			if err != nil {
				return RegistrationForm{}, err
			}
			v := string(b)
			if !httpx.ValidText(v) {
				return RegistrationForm{}, httpx.ErrInvalidText
			}
			switch name {
			case "name":
				f.Input.Name = v
			case "title":
				f.Input.Title = v
			case "category":
				f.Input.Category = v
			case "email":
				f.Input.Email = v
			case "lang":
				f.Input.Lang = v
			}
		default:
			if _, err := io.Copy(io.Discard, io.LimitReader(p, maxField)); err != nil {
				return RegistrationForm{}, formErr(err)
			}
		}
	}
	return f, nil
}

// readLimited reads a part of at most limit bytes, or gives tooLarge.
func readLimited(p *multipart.Part, limit int64, tooLarge error) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(p, limit+1))
	if err != nil {
		return nil, formErr(err)
	}
	if int64(len(b)) > limit {
		return nil, tooLarge
	}
	return b, nil
}

// formErr turns a read error into the user's: the server's body limit
// is a too-large form, anything else a bad one.
func formErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fault.ErrTooLarge
	}
	return &fault.Problem{Kind: fault.ErrInvalid, Key: errForm.Key, Err: err}
}
