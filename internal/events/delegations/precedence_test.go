package delegations

import (
	"slices"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/mofa-vn/chancery/internal/store"
)

func states(codes ...string) []store.Delegation {
	var out []store.Delegation
	for i, c := range codes {
		out = append(out, store.Delegation{ID: int64(i + 1), Kind: store.DelegationState, Country: c, Name: c})
	}
	return out
}

func displays(ds []Delegation) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Display)
	}
	return out
}

// TestAlphabeticalCollation orders names with CLDR collation in the
// chosen language, not by bytes: in Vietnamese Đ is a letter of its own
// between D and E (bytes would put it after Z), and in French an accented
// letter sorts with its base letter (É with E).
func TestAlphabeticalCollation(t *testing.T) {
	ds := states("DE", "DK", "VN", "AT", "IN", "FR", "US")
	for _, tc := range []struct {
		lang string
		want []string
	}{
		// Vietnamese CLDR names: Áo, Ấn Độ, Đan Mạch, Đức, Hoa Kỳ, Pháp, Việt Nam.
		// Đ is its own letter after D; Á and Ấ sort with A.
		{"vi", []string{"Áo", "Ấn Độ", "Đan Mạch", "Đức", "Hoa Kỳ", "Pháp", "Việt Nam"}},
		{"fr", []string{"Allemagne", "Autriche", "Danemark", "États-Unis", "France", "Inde", "Vietnam"}},
		{"en", []string{"Austria", "Denmark", "France", "Germany", "India", "United States", "Vietnam"}},
	} {
		got := displays(sortByPrecedence(ds, store.Precedence{Method: store.PrecedenceAlphabetical, Lang: tc.lang}))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.lang, got, tc.want)
		}
	}
	// Đ before N, where a byte order would put it last.
	vi := displays(sortByPrecedence(states("ZA", "DE", "EG", "DK"), store.Precedence{Method: store.PrecedenceAlphabetical, Lang: "vi"}))
	if !slices.Equal(vi, []string{"Ai Cập", "Đan Mạch", "Đức", "Nam Phi"}) {
		t.Errorf("vi: %q", vi)
	}
}

func TestDrawRotatesTheAlphabeticalOrder(t *testing.T) {
	ds := states("AT", "FR", "VN", "YE", "DE")
	p := store.Precedence{Method: store.PrecedenceAlphabetical, Lang: "en"}
	if got := displays(sortByPrecedence(ds, p)); !slices.Equal(got, []string{"Austria", "France", "Germany", "Vietnam", "Yemen"}) {
		t.Fatalf("alphabetical: %q", got)
	}
	// Yemen drawn (as for the UN's 79th session): Yemen, then from A again.
	p.StartDelegation = 4
	if got := displays(sortByPrecedence(ds, p)); !slices.Equal(got, []string{"Yemen", "Austria", "France", "Germany", "Vietnam"}) {
		t.Fatalf("from Yemen: %q", got)
	}
	p.StartDelegation = 3 // Viet Nam
	if got := displays(sortByPrecedence(ds, p)); !slices.Equal(got, []string{"Vietnam", "Yemen", "Austria", "France", "Germany"}) {
		t.Fatalf("from Viet Nam: %q", got)
	}
	// A drawn delegation that no longer exists changes nothing.
	p.StartDelegation = 99
	if got := displays(sortByPrecedence(ds, p)); got[0] != "Austria" {
		t.Fatalf("unknown start: %q", got)
	}
}

func TestCredentialsAndManualOrders(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	ds := states("AT", "FR", "VN", "DE")
	ds[0].CredentialsAt = t0.Add(2 * time.Hour) // Austria
	ds[1].CredentialsAt = t0.Add(time.Hour)     // France, earlier the same day
	ds[2].CredentialsAt = t0                    // Viet Nam, first
	got := displays(sortByPrecedence(ds, store.Precedence{Method: store.PrecedenceCredentials, Lang: "en"}))
	if !slices.Equal(got, []string{"Vietnam", "France", "Austria", "Germany"}) {
		t.Fatalf("by credentials: %q", got)
	}
	ds[3].ManualRank, ds[1].ManualRank = 1, 2
	got = displays(sortByPrecedence(ds, store.Precedence{Method: store.PrecedenceManual, Lang: "fr"}))
	if !slices.Equal(got, []string{"Allemagne", "France", "Autriche", "Vietnam"}) {
		t.Fatalf("manual: %q", got)
	}
	// An organisation's own name in the language wins over its default.
	io := store.Delegation{ID: 9, Kind: store.DelegationIO, Name: "ASEAN Secretariat", Names: map[string]string{"vi": "Ban Thư ký ASEAN"}}
	if NameIn(io, "vi") != "Ban Thư ký ASEAN" || NameIn(io, "fr") != "ASEAN Secretariat" || NameIn(ds[3], "vi") != "Đức" {
		t.Fatalf("names: %q %q %q", NameIn(io, "vi"), NameIn(io, "fr"), NameIn(ds[3], "vi"))
	}
}

func TestCountryCodes(t *testing.T) {
	for code, want := range map[string]bool{"VN": true, "FR": true, "YE": true, "SS": true, "EU": false, "ZZ": false, "XK": false, "QO": false,
		"vn": false, "VNM": false, "": false, "001": false, "UK": false} {
		if got := validCountry(code); got != want {
			t.Errorf("validCountry(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestFileChecksByContent(t *testing.T) {
	if err := checkPDF(DemoPDF("x")); err != nil {
		t.Fatalf("demo PDF: %v", err)
	}
	for name, data := range map[string][]byte{
		"empty": nil, "exe named .pdf": []byte("MZ\x90\x00"), "html": []byte("<html>%PDF-1.4 %%EOF"),
		"no trailer": []byte("%PDF-1.4\n1 0 obj\n"), "trailer too early": append(append([]byte("%PDF-1.4\n%%EOF\n"), make([]byte, 2048)...), 'x'),
	} {
		if err := checkPDF(data); err == nil {
			t.Errorf("%s: accepted as a PDF", name)
		}
	}
	if ct, err := photoType(DemoPhoto()); err != nil || ct != "image/png" {
		t.Fatalf("demo photo: %q %v", ct, err)
	}
	if ct, err := photoType([]byte("\xff\xd8\xff\xe0JFIF")); err != nil || ct != "image/jpeg" {
		t.Fatalf("jpeg: %q %v", ct, err)
	}
	for _, data := range [][]byte{[]byte("GIF89a"), []byte("<svg/>"), []byte("\x89PNG"), nil} {
		if _, err := photoType(data); err == nil {
			t.Errorf("%q accepted as a photo", data)
		}
	}
}

// TestCountryListMatchesCLDR: the embedded list has ISO 3166-1's 249
// codes, each a country CLDR names in every language.
func TestCountryListMatchesCLDR(t *testing.T) {
	if len(countries) != 249 {
		t.Fatalf("%d codes, want 249", len(countries))
	}
	for c := range countries {
		r, err := language.ParseRegion(c)
		if err != nil || !r.IsCountry() || r.String() != c {
			t.Errorf("%s: CLDR reads %v, %v", c, r, err)
		}
		if n := CountryName(c, "vi"); n == c {
			t.Errorf("%s has no Vietnamese name", c)
		}
	}
}
