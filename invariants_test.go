package rdv_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestInvariantsNameRealTests keeps the package documentation honest: each
// of the seven invariants names tests, and every test it names exists, as
// a test function or as a part and case of the conformance suite.
func TestInvariantsNameRealTests(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "rdv.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	doc := f.Doc.Text()
	_, invariants, ok := strings.Cut(doc, "Invariants\n")
	if !ok {
		t.Fatal("the package documentation has no Invariants section")
	}
	var sources strings.Builder
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		b, err := os.ReadFile(path)
		sources.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	src := sources.String()
	item := regexp.MustCompile(`(?m)^\s*([1-7])\. `)
	if got := len(item.FindAllString(invariants, -1)); got != 7 {
		t.Fatalf("the documentation lists %d invariants, want 7", got)
	}
	for _, part := range item.Split(invariants, -1)[1:] {
		names := regexp.MustCompile(`\bTest[A-Z]\w*|\b[A-Z]\w+/[A-Z]\w+`).FindAllString(part, -1)
		if len(names) == 0 {
			t.Errorf("an invariant names no test: %.60q", part)
		}
		for _, n := range names {
			want := "func " + n + "(t *testing.T)"
			if _, sub, ok := strings.Cut(n, "/"); ok {
				want = `"` + sub + `"`
			}
			if !strings.Contains(src, want) {
				t.Errorf("the invariants name %s, which no test defines", n)
			}
		}
	}
}
