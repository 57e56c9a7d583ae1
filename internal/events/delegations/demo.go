package delegations

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/mofa-vn/chancery/internal/store"
)

// demoPeople are the demo's delegations and their accredited members.
var demoPeople = []struct {
	in     DelegationInput
	people []RegistrationInput
}{
	{DelegationInput{Kind: store.DelegationState, Country: "VN", Quotas: map[string]int{"head": 1, "delegate": 4}}, []RegistrationInput{
		{Name: "Nguyễn Thị Lan", Title: "Thứ trưởng Bộ Ngoại giao", Category: "head", Email: "lan.nguyen@mofa.example", Lang: "vi"},
		{Name: "Trần Minh Đức", Title: "Vụ trưởng Vụ ASEAN", Category: "delegate", Email: "duc.tran@mofa.example", Lang: "vi"},
	}},
	{DelegationInput{Kind: store.DelegationState, Country: "FR", Quotas: map[string]int{"head": 1, "delegate": 3}}, []RegistrationInput{
		{Name: "Claire Dubois", Title: "Ambassadrice de France au Viet Nam", Category: "head", Email: "claire.dubois@diplomatie.example", Lang: "fr"},
		{Name: "Éric Lefèvre", Title: "Conseiller numérique", Category: "adviser", Email: "eric.lefevre@diplomatie.example", Lang: "fr"},
	}},
	{DelegationInput{Kind: store.DelegationIO, Name: "ASEAN Secretariat", Names: map[string]string{"vi": "Ban Thư ký ASEAN", "fr": "Secrétariat de l'ASEAN",
		"es": "Secretaría de la ASEAN", "ru": "Секретариат АСЕАН", "zh": "东盟秘书处", "ar": "أمانة آسيان"}, Quotas: map[string]int{"head": 1}},
		[]RegistrationInput{
			{Name: "Siti Rahmawati", Title: "Deputy Secretary-General", Category: "head", Email: "siti.rahmawati@asean.example", Lang: "en"},
			{Name: "Somchai Wongsa", Title: "Digital Economy Officer", Category: "delegate", Email: "somchai.wongsa@asean.example", Lang: "en"},
		}},
}

// DemoPDF is a minimal one-page PDF, the demo's credentials letter.
func DemoPDF(title string) []byte {
	return fmt.Appendf(nil, "%%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"+
		"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n%% %s\ntrailer<</Root 1 0 R>>\n%%%%EOF\n", title)
}

// DemoPhoto is a small PNG, the demo's badge photo.
func DemoPhoto() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	img.Set(4, 4, color.RGBA{R: 0xda, G: 0x25, B: 0x1d, A: 0xff})
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// LoadDemo gives the event three delegations (Viet Nam, France and the
// ASEAN Secretariat) with accredited people in each, through the same
// steps as real ones: registration, the focal point's approval, the
// secretariat's accreditation. An event that has delegations already is
// left as it is.
func (s *Service) LoadDemo(ctx context.Context, eventID int64) error {
	// The demo's people have made-up addresses: nobody is written to.
	quiet := *s
	quiet.MailFrom = ""
	s = &quiet
	have, err := s.DB.ListDelegations(ctx, eventID)
	if err != nil || len(have) > 0 {
		return err
	}
	secretariat := Actor{Name: "demo"}
	for _, dp := range demoPeople {
		d, err := s.CreateDelegation(ctx, eventID, dp.in, secretariat)
		if err != nil {
			return fmt.Errorf("delegations: demo delegation %s: %w", dp.in.Country+dp.in.Name, err)
		}
		for _, p := range dp.people {
			r, err := s.Register(ctx, d.ID, p, DemoPDF("Note verbale "+d.Name), DemoPhoto())
			if err != nil {
				return fmt.Errorf("delegations: demo registration %s: %w", p.Name, err)
			}
			if _, err := s.decide(ctx, r.ID, d.ID, eventID, focalApprove, Actor{Name: "focal-point:" + d.Name}); err != nil {
				return err
			}
			if _, err := s.decide(ctx, r.ID, 0, eventID, accredit, secretariat); err != nil {
				return err
			}
		}
	}
	return nil
}
