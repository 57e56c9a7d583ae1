package textdiff

import (
	"strings"
	"testing"
)

// old and new rebuild the two texts from the chunks.
func rebuild(cs []Chunk) (string, string) {
	var a, b strings.Builder
	for _, c := range cs {
		if c.Op != Insert {
			a.WriteString(c.Text)
		}
		if c.Op != Delete {
			b.WriteString(c.Text)
		}
	}
	return a.String(), b.String()
}

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		name, a, b string
		want       []Chunk
	}{
		{"same", "Hà Nội welcomes", "Hà Nội welcomes", []Chunk{{Equal, "Hà Nội welcomes"}}},
		{"both empty", "", "", nil},
		{"all new", "", "New text.", []Chunk{{Insert, "New text."}}},
		{"all gone", "Old.", "", []Chunk{{Delete, "Old."}}},
		{"one word changed", "The minister met the ambassador today.", "The minister met the envoy today.",
			[]Chunk{{Equal, "The minister met the "}, {Delete, "ambassador"}, {Insert, "envoy"}, {Equal, " today."}}},
		{"word added", "Talks on trade.", "Talks on fair trade.",
			[]Chunk{{Equal, "Talks on "}, {Insert, "fair "}, {Equal, "trade."}}},
		{"word removed", "Talks on fair trade.", "Talks on trade.",
			[]Chunk{{Equal, "Talks on "}, {Delete, "fair "}, {Equal, "trade."}}},
		{"punctuation alone", "Hello, world", "Hello world",
			[]Chunk{{Equal, "Hello"}, {Delete, ","}, {Equal, " world"}}},
		{"vietnamese diacritics are part of the word", "Bộ Ngoại giao", "Bộ Ngoại giao Việt Nam",
			[]Chunk{{Equal, "Bộ Ngoại giao"}, {Insert, " Việt Nam"}}},
		{"a changed tone mark changes the whole word", "ma", "mà", []Chunk{{Delete, "ma"}, {Insert, "mà"}}},
		{"arabic", "وزارة الخارجية", "وزارة الخارجية الفيتنامية", []Chunk{{Equal, "وزارة الخارجية"}, {Insert, " الفيتنامية"}}},
		{"chinese character by character", "外交部声明", "外交部新闻", []Chunk{{Equal, "外交部"}, {Delete, "声明"}, {Insert, "新闻"}}},
		{"a phrase replaced reads as one change", "gặp Đại sứ Nhật Bản.", "gặp Đặc phái viên Nhật Bản hôm nay.",
			[]Chunk{{Equal, "gặp "}, {Delete, "Đại sứ "}, {Insert, "Đặc phái viên "}, {Equal, "Nhật Bản"}, {Insert, " hôm nay"}, {Equal, "."}}},
		{"moved words", "a b c", "c a b", []Chunk{{Insert, "c "}, {Equal, "a b"}, {Delete, " c"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Words(tc.a, tc.b)
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %+v, want %+v", got, tc.want)
				}
			}
			if a, b := rebuild(got); a != tc.a || b != tc.b {
				t.Fatalf("rebuilt %q / %q", a, b)
			}
			if Changed(got) != (tc.a != tc.b) {
				t.Fatalf("Changed = %v", Changed(got))
			}
		})
	}
}

// A text too long to compare in the table is shown removed and added
// whole, still true to both texts.
func TestWordsBeyondTheTable(t *testing.T) {
	a := strings.Repeat("alpha ", 3000) + "end"
	b := "start " + strings.Repeat("beta ", 3000)
	got := Words(a, b)
	if x, y := rebuild(got); x != a || y != b {
		t.Fatal("the texts do not come back")
	}
	if len(got) != 2 || got[0].Op != Delete || got[1].Op != Insert {
		t.Fatalf("got %d chunks", len(got))
	}
}

// Any two texts, valid UTF-8 or not, come back whole from the diff, and
// adjacent chunks never share an operation.
func FuzzWords(f *testing.F) {
	for _, s := range [][2]string{{"", ""}, {"a b", "a c"}, {"Bộ Ngoại giao", "Bộ ngoại giao"}, {"\xff\xfe", "\xffx"}, {"外交部", "外交"}, {"  \t\n", " "}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		got := Words(a, b)
		if x, y := rebuild(got); x != a || y != b {
			t.Fatalf("rebuilt %q / %q from %q / %q", x, y, a, b)
		}
		for i := 1; i < len(got); i++ {
			if got[i].Op == got[i-1].Op || got[i].Text == "" {
				t.Fatalf("chunks %d and %d: %+v", i-1, i, got)
			}
		}
		if Changed(got) != (a != b) {
			t.Fatal("Changed is wrong")
		}
	})
}
