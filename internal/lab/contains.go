package lab

import (
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Contains checks that the YAML document want (an abbreviated manifest, as
// articles print them) is contained in have: every key of a mapping is
// present with a contained value, and every item of a list is contained in
// the item at the same position. Comments do not matter.
func Contains(have, want []byte) error {
	var h, w any
	if err := yaml.Unmarshal(have, &h); err != nil {
		return fmt.Errorf("file is not YAML: %w", err)
	}
	if err := yaml.Unmarshal(want, &w); err != nil {
		return fmt.Errorf("block is not YAML: %w", err)
	}
	return contains(h, w, "")
}

func contains(have, want any, path string) error {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: file has %s, the article shows a mapping", orRoot(path), describe(have))
		}
		for k, wv := range w {
			hv, ok := h[k]
			if !ok {
				return fmt.Errorf("%s: missing in the file", join(path, k))
			}
			if err := contains(hv, wv, join(path, k)); err != nil {
				return err
			}
		}
		return nil
	case []any:
		h, ok := have.([]any)
		if !ok {
			return fmt.Errorf("%s: file has %s, the article shows a list", orRoot(path), describe(have))
		}
		if len(h) < len(w) {
			return fmt.Errorf("%s: file has %d items, the article shows %d", orRoot(path), len(h), len(w))
		}
		for i := range w {
			if err := contains(h[i], w[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if !reflect.DeepEqual(have, want) {
		return fmt.Errorf("%s: file has %s, the article shows %s", orRoot(path), describe(have), describe(want))
	}
	return nil
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func orRoot(p string) string {
	if p == "" {
		return "document"
	}
	return p
}

func describe(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case nil:
		return "nothing"
	case string:
		// Quoted, so that the string "1" and the number 1 differ.
		return fmt.Sprintf("%q", v)
	}
	return strings.TrimSpace(fmt.Sprint(v))
}
