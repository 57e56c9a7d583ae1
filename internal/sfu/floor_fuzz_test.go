package sfu

import (
	"errors"
	"slices"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeFloorMessage: whatever a client sends, a floor message that is
// accepted names a request where its action needs one, a position in
// range, a kind the server knows, a language tag and an agenda item of
// printable text; anything else is a refusal with a code.
func FuzzDecodeFloorMessage(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"type":"floor_request"}`,
		`{"v":1,"type":"floor_request","kind":"point_of_order","language":"fr"}`,
		`{"v":1,"type":"floor_grant","request":7}`,
		`{"v":1,"type":"floor_reorder","request":7,"position":2}`,
		`{"v":1,"type":"floor_agenda","agenda_item":"Item 3","times":{"delegate":180}}`,
		`{"v":1,"type":"floor_language","request":7,"language":"zh-Hans"}`,
		`{"v":1,"type":"floor_end","request":-1}`,
	} {
		f.Add([]byte(s))
	}
	needsRequest := []string{TypeFloorCancel, TypeFloorGrant, TypeFloorPause, TypeFloorResume, TypeFloorEnd, TypeFloorDeny, TypeFloorReorder, TypeFloorLanguage}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeClientMessage(b)
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Code == "" {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		if slices.Contains(needsRequest, m.Type) && m.Request <= 0 {
			t.Fatalf("%s accepted without a request: %+v", m.Type, m)
		}
		switch m.Type {
		case TypeFloorRequest:
			if (m.Kind != "" && !m.Kind.valid()) || (m.Language != "" && !validLanguage(m.Language)) {
				t.Fatalf("accepted %+v", m)
			}
		case TypeFloorReorder:
			if m.Position < 0 || m.Position >= maxPending {
				t.Fatalf("accepted position %d", m.Position)
			}
		case TypeFloorAgenda:
			if !utf8.ValidString(m.AgendaItem) || !validAgendaItem(m.AgendaItem) {
				t.Fatalf("accepted agenda item %q", m.AgendaItem)
			}
			for r, s := range m.Times {
				if !r.Valid() || s < 10 || s > 3600 {
					t.Fatalf("accepted time %s=%d", r, s)
				}
			}
		case TypeFloorLanguage:
			if !validLanguage(m.Language) {
				t.Fatalf("accepted language %q", m.Language)
			}
		}
	})
}
