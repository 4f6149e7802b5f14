package images

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// keyVersion changes when the builder changes in a way that invalidates
// every artefact.
const keyVersion = "advent-images/1"

// hasher accumulates the inputs of an artefact into its content key.
type hasher struct {
	parts []string
}

func newKey(kind string) *hasher { return &hasher{parts: []string{keyVersion, kind}} }

// add adds named inputs; the name keeps "a"+"bc" apart from "ab"+"c".
func (h *hasher) add(name string, values ...string) *hasher {
	for _, v := range values {
		h.parts = append(h.parts, fmt.Sprintf("%s=%d:%s", name, len(v), v))
	}
	return h
}

// addMap adds a map in key order.
func (h *hasher) addMap(name string, m map[string]string) *hasher {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		h.add(name+"."+k, m[k])
	}
	return h
}

// addTree adds every regular file under dir (path, mode and content).
func (h *hasher) addTree(name, dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		h.add(name+"/"+filepath.ToSlash(rel), fmt.Sprintf("%o %x", info.Mode().Perm(), sum))
		return nil
	})
}

// sum is the key: "sha256:" and 64 hex digits.
func (h *hasher) sum() string {
	s := sha256.Sum256([]byte(strings.Join(h.parts, "\n")))
	return "sha256:" + hex.EncodeToString(s[:])
}

// shortKey is a key's first 12 hex digits, for messages.
func shortKey(k string) string {
	k = strings.TrimPrefix(k, "sha256:")
	if len(k) > 12 {
		k = k[:12]
	}
	return k
}
