package images

import (
	"context"
	"encoding/json"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// manifest collects what exists now: the images of every planned step
// whose key matches, the entries of the previous manifest that still exist
// unchanged (other Kubernetes versions), and the tools.
func (b *builder) manifest(ctx context.Context) (*Manifest, error) {
	m := &Manifest{GeneratedAt: b.now().UTC(), CacheDir: b.o.CacheDir}
	seen := map[string]bool{}
	addImage := func(name, key string) error {
		if seen[name] {
			return nil
		}
		info, err := b.docker.inspect(ctx, name)
		if err != nil {
			return err
		}
		if info == nil || info.Labels[LabelKey] != key {
			return nil
		}
		seen[name] = true
		m.Images = append(m.Images, imageEntry(name, info))
		return nil
	}
	for _, s := range b.steps {
		for _, n := range s.images {
			if err := addImage(n, s.key); err != nil {
				return nil, err
			}
		}
		if strings.HasPrefix(s.id, "control-plane-") {
			v := strings.TrimPrefix(s.id, "control-plane-")
			st, err := readStamp(filepath.Join(kubeDir(b.o.CacheDir, v), "control-plane.json"))
			if err != nil {
				return nil, err
			}
			if st != nil && st.Key == s.key {
				for _, n := range slices.Sorted(maps.Keys(st.Images)) {
					if err := addImage(n, st.Images[n]); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	if old, err := LoadManifest(b.o.CacheDir); err == nil {
		for _, e := range old.Images {
			if seen[e.Name] {
				continue
			}
			info, err := b.docker.inspect(ctx, e.Name)
			if err != nil {
				return nil, err
			}
			if info != nil && info.ID == e.ID {
				seen[e.Name] = true
				m.Images = append(m.Images, imageEntry(e.Name, info))
			}
		}
	}
	if st, err := readStamp(toolsStampPath(b.o.CacheDir)); err == nil && st != nil {
		for _, t := range toolList {
			m.Tools = append(m.Tools, ToolEntry{
				Name: t.name, Path: filepath.Join(ToolsDir(b.o.CacheDir), t.name),
				Module: t.module, Version: st.Sources.Go[t.module], Key: st.Key, BuiltAt: st.BuiltAt,
			})
		}
	}
	return m, WriteManifest(b.o.CacheDir, m)
}

// imageEntry describes one image name from its labels. Every image that
// advent builds under a name outside advent.local/ is a stand-in.
func imageEntry(name string, info *imageInfo) ImageEntry {
	e := ImageEntry{
		Name:     name,
		ID:       info.ID,
		Key:      info.Labels[LabelKey],
		Artefact: info.Labels[LabelArtefact],
		StandIn:  !strings.HasPrefix(name, "advent.local/"),
		Size:     info.Size,
	}
	if t, err := time.Parse(time.RFC3339, info.Labels[LabelBuiltAt]); err == nil {
		e.BuiltAt = t
	}
	json.Unmarshal([]byte(info.Labels[LabelSources]), &e.Sources)
	return e
}
