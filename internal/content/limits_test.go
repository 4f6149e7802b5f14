package content

import (
	"fmt"
	"strings"
	"testing"
)

const limitsHeader = "---\ntitle: T\ndate: 2017-12-05\nday: 5\nyear: 2017\nauthors: [A]\nhandles: {A: a}\n---\n"

// TestLimits: the inputs that took minutes and gigabytes are refused at
// their position before goldmark parses them.
func TestLimits(t *testing.T) {
	deepList := new(strings.Builder)
	for i := range 700 {
		fmt.Fprintf(deepList, "%s- item\n", strings.Repeat("  ", i))
	}
	blocks := new(strings.Builder)
	for i := range MaxBlocks + 1 {
		fmt.Fprintf(blocks, "```console\n$ echo %d\n```\n\n", i)
	}
	markers := new(strings.Builder)
	for range MaxMarkers/MaxNesting + 1 {
		markers.WriteString(strings.Repeat("> ", MaxNesting/2) + strings.Repeat("- ", MaxNesting/2) + "x\n")
	}
	steps := new(strings.Builder)
	for i := range 100_000 {
		fmt.Fprintf(steps, "```console {step=\"s%d\"}\n$ echo\n```\n", i)
	}
	for _, c := range []struct{ name, body, want string }{
		{"quotes 100k deep", strings.Repeat(">", 100_000) + " x\n",
			"content/2017/05-x.md:10:17: block quotes and lists nested 100000 deep here, over the limit of 16"},
		{"quotes with spaces", strings.Repeat("> ", 17) + "x\n",
			"content/2017/05-x.md:10:33: block quotes and lists nested 17 deep here, over the limit of 16"},
		{"list 700 deep", deepList.String(),
			"content/2017/05-x.md:138:1: line indented 258 columns, over the limit of 256"},
		{"list on one line", strings.Repeat("- ", 20) + "x\n",
			"content/2017/05-x.md:10:33: block quotes and lists nested 20 deep here, over the limit of 16"},
		{"ordered list", strings.Repeat("1. ", 17) + "x\n",
			"content/2017/05-x.md:10:49: block quotes and lists nested 17 deep here, over the limit of 16"},
		{"too many markers", markers.String(),
			fmt.Sprintf("content/2017/05-x.md:%d:1: more than 10000 block quote and list markers in one file: split the article", 10+MaxMarkers/MaxNesting)},
		{"too many blocks", blocks.String(),
			fmt.Sprintf("content/2017/05-x.md:%d:1: more than 1000 code blocks in one file: split the article", 10+4*MaxBlocks)},
		{"100k step blocks", steps.String(),
			fmt.Sprintf("content/2017/05-x.md:1:1: file is %d bytes, over the limit of 1048576: split the article", len(limitsHeader)+1+steps.Len())},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("content/2017/05-x.md", []byte(limitsHeader+"\n"+c.body))
			if err == nil || err.Error() != c.want {
				t.Errorf("got  %v\nwant %s", err, c.want)
			}
		})
	}
	// Within the limits: 16 levels of quotes and lists, text that starts
	// like a marker, deep indentation inside a code block.
	ok := strings.Repeat("> ", 8) + strings.Repeat("- ", 8) + "x\n\n**bold** -x 1.5 *\n\n```yaml\n" +
		strings.Repeat(" ", 200) + "a: 1\n```\n"
	if _, err := Parse("content/2017/05-x.md", []byte(limitsHeader+"\n"+ok)); err != nil {
		t.Errorf("within the limits: %v", err)
	}
}

// worstCase is an article just within every limit: MaxFileSize bytes,
// MaxMarkers quote and list markers nested MaxNesting deep, MaxBlocks step
// blocks and, for the rest, paragraphs of inline markup.
func worstCase() []byte {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(limitsHeader, "---\n") + "lab: w\n---\n\n")
	nest := strings.Repeat("> ", MaxNesting/2) + strings.Repeat("- ", MaxNesting/2)
	for range MaxMarkers / MaxNesting {
		fmt.Fprintf(&b, "%s[link *emph `code` **strong](x)\n", nest)
	}
	b.WriteString("\n")
	for i := range MaxBlocks {
		fmt.Fprintf(&b, "```console {step=\"s%d\"}\n$ echo [x](y) *a*\n```\n\n", i)
	}
	for b.Len() < MaxFileSize-200 {
		b.WriteString("Words with a [link *emph `code` **strong](x) and *more* of them.\n\n")
	}
	return []byte(b.String())
}

// BenchmarkParseWorstCase parses (and checks for raw HTML, as LoadDir
// does) the largest, deepest article the limits let through. Its bytes/op
// and ns/op bound the work on any one file.
func BenchmarkParseWorstCase(b *testing.B) {
	src := worstCase()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("content/2017/05-x.md", src); err != nil {
			b.Fatal(err)
		}
		RawHTML("content/2017/05-x.md", src)
	}
}

// TestBlocksHugoRenders: fences inside a footnote, a definition and a list
// item in a table-bearing document are blocks, in source order, at their
// positions, as Hugo's goldmark (footnote, definition list, table
// extensions) renders them.
func TestBlocksHugoRenders(t *testing.T) {
	src := limitsHeader + "\n" +
		"| a | b |\n|---|---|\n| 1 | 2 |\n\n" + // 10-12
		"Text.[^1]\n\n" + // 14
		"[^1]: A note.\n\n" + // 16
		"    ```console {step=\"in-note\"}\n    $ echo note\n    ```\n\n" + // 18-20
		"Term\n: Definition.\n\n" + // 22-23
		"    ~~~console {step=\"in-definition\"}\n    $ echo def\n    ~~~\n" // 25-27
	a, err := Parse("content/2017/05-x.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range a.Blocks {
		step, _ := b.Attr("step")
		got = append(got, fmt.Sprintf("%s %d:%d-%d %q", step, b.Line, b.Col, b.EndLine, b.Code))
	}
	want := []string{`in-note 18:5-20 "$ echo note\n"`, `in-definition 25:5-27 "$ echo def\n"`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("blocks:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
