package conference

import (
	"errors"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/sfu"
)

// FuzzParseList feeds pasted lists to the parser and the checks every list
// passes before anything is issued: no panic; a refusal is a 4xx naming a
// line of the text; an accepted list has at most MaxInvitees entries, each
// with a name, an identity and a role the viewer may invite.
func FuzzParseList(f *testing.F) {
	for _, s := range []string{
		"Nguyễn Lan",
		"identity,name,role\nvn-1,Lan,delegate\nth-1,\"Somchai, Dr\",interpreter,Thailand",
		"vn-1,\"Lan",
		"a,b\n",
		"\r\n\r\nx\r\n",
		"vn-1,Lan,chair",
		"vn-1,Lan,delegate\nvn-1,Lan,delegate",
		strings.Repeat("n\n", MaxInvitees+1),
		",,,",
		"\"\"\"",
		"int-1,Anne,interpreter,,fr\nint-2,Bert,delegate,,es",
		"int-1,Anne,interpreter,France,SGN",
		"int-1,Anne,interpreter,,f r",
	} {
		f.Add(s)
	}
	a := access{manage: true}
	f.Fuzz(func(t *testing.T, text string) {
		list, err := parseList(text)
		if err == nil {
			list, err = checkInvitees(list, string(sfu.RoleDelegate), a, "list")
		}
		if err != nil {
			var he *fault.Problem
			if !errors.As(err, &he) || httpx.Status(he) < 400 || httpx.Status(he) >= 500 {
				t.Fatalf("refusal %v is not a 4xx", err)
			}
			if n, ok := he.Data["Line"].(int); ok && (n < 1 || n > strings.Count(text, "\n")+1) {
				t.Fatalf("line %d of a text of %d lines", n, strings.Count(text, "\n")+1)
			}
			return
		}
		if len(list) == 0 || len(list) > MaxInvitees {
			t.Fatalf("%d entries accepted", len(list))
		}
		for _, in := range list {
			if in.Booth != "" && (in.Role != string(sfu.RoleInterpreter) || !languageCode.MatchString(in.Booth)) {
				t.Fatalf("accepted the booth of %+v", in)
			}
			if in.Name == "" || in.Identity == "" || !a.may(sfu.Role(in.Role)) {
				t.Fatalf("accepted %+v", in)
			}
		}
	})
}
