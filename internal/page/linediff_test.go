package page

import (
	"reflect"
	"testing"
)

func TestLineDiff(t *testing.T) {
	for _, c := range []struct {
		from, to string
		want     []DiffLine
	}{
		{"a\nb\nc\n", "a\nB\nc\n", []DiffLine{{DiffSame, "a"}, {DiffDel, "b"}, {DiffIns, "B"}, {DiffSame, "c"}}},
		// A removed line that looks like a diff header is a line.
		{"--flag\nx\n", "x\n", []DiffLine{{DiffDel, "--flag"}, {DiffSame, "x"}}},
		{"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n", []DiffLine{
			{DiffSkip, "⋯ 2 unchanged lines"}, {DiffSame, "3"}, {DiffSame, "4"}, {DiffDel, "5"}, {DiffIns, "five"},
			{DiffSame, "6"}, {DiffSame, "7"}, {DiffSkip, "⋯ 3 unchanged lines"}}},
	} {
		if got := lineDiff(c.from, c.to); !reflect.DeepEqual(got, c.want) {
			t.Errorf("lineDiff(%q, %q) = %v; want %v", c.from, c.to, got, c.want)
		}
	}
}
