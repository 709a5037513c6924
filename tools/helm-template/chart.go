// chart.go - loads a chart directory as Helm does for `helm template`: the
// metadata of Chart.yaml, the defaults of values.yaml, the templates under
// templates/ and every other file (for .Files); and coalesces the user's
// values files over the defaults with Helm's rules.
package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// ChartMeta is the part of Chart.yaml templates see as .Chart; Helm names
// the fields the same way (.Chart.Name, .Chart.AppVersion …).
type ChartMeta struct {
	APIVersion  string `json:"apiVersion"`
	Name        string `json:"name"`
	Version     string `json:"version"`
	AppVersion  string `json:"appVersion"`
	KubeVersion string `json:"kubeVersion"`
	Description string `json:"description"`
	Type        string `json:"type"`
}

// Chart is a loaded chart: metadata, defaults, templates by their name
// (<chart>/templates/<path>) and other files by their path in the chart.
type Chart struct {
	Meta      ChartMeta
	Defaults  map[string]interface{}
	Templates map[string]string
	Files     map[string][]byte
}

// The files the loader gives their own meaning to; everything else that
// is not a template is a plain file, readable through .Files.
var specialFiles = map[string]bool{"Chart.yaml": true, "values.yaml": true, "values.schema.json": true, ".helmignore": true}

func loadChart(dir string) (*Chart, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	c := &Chart{Templates: map[string]string{}, Files: map[string][]byte{}}
	if err := yaml.UnmarshalStrict(raw, &c.Meta); err != nil {
		return nil, fmt.Errorf("Chart.yaml: %v", err)
	}
	if c.Meta.APIVersion != "v2" {
		return nil, fmt.Errorf("Chart.yaml: apiVersion %q: only v2 charts are supported", c.Meta.APIVersion)
	}
	if c.Meta.Name == "" || c.Meta.Version == "" {
		return nil, fmt.Errorf("Chart.yaml: name and version are required")
	}
	if c.Meta.Type != "" && c.Meta.Type != "application" {
		return nil, fmt.Errorf("Chart.yaml: type %q: only application charts render", c.Meta.Type)
	}
	if c.Defaults, err = readValues(filepath.Join(dir, "values.yaml")); err != nil {
		return nil, err
	}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		if specialFiles[rel] {
			return nil
		}
		if strings.HasPrefix(rel, "charts/") {
			return fmt.Errorf("%s: subcharts are not supported", rel)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.HasPrefix(rel, "templates/") {
			c.Templates[c.Meta.Name+"/"+rel] = string(data)
		} else {
			c.Files[rel] = data
		}
		return nil
	})
	return c, err
}

// readValues reads a YAML values file into a map; an empty file is an
// empty map. Numbers come out as float64, as in Helm.
func readValues(path string) (map[string]interface{}, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	values := map[string]interface{}{}
	if err := yaml.Unmarshal(raw, &values); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if values == nil {
		values = map[string]interface{}{}
	}
	return values, nil
}

// coalesce lays overrides over base as Helm does: maps merge key by key,
// any other value replaces, and a null removes the key. Neither argument
// is modified.
func coalesce(base, overrides map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(base))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range overrides {
		if v == nil {
			delete(out, k)
			continue
		}
		over, overIsMap := v.(map[string]interface{})
		under, underIsMap := out[k].(map[string]interface{})
		if overIsMap && underIsMap {
			out[k] = coalesce(under, over)
		} else if overIsMap {
			out[k] = coalesce(map[string]interface{}{}, over)
		} else {
			out[k] = v
		}
	}
	return out
}

// templateNames lists the chart's templates in the order Helm renders
// them here: by name.
func (c *Chart) templateNames() []string {
	names := make([]string, 0, len(c.Templates))
	for n := range c.Templates {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
