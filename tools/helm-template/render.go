// render.go - executes a chart's templates as Helm's engine does: one
// template set holding every file under templates/ (so any file may
// include a named template defined in any other, partials `_*` included),
// missing keys rendering as empty, each file executed with the top-level
// objects .Values, .Release, .Chart, .Capabilities, .Files and .Template.
package main

import (
	"bytes"
	"fmt"
	"path"
	"strings"
	"text/template"

	"github.com/Masterminds/semver" // Debian ships v3 here
)

// Files is .Files: the chart's plain files, read by path in the chart.
type Files map[string][]byte

func (f Files) Get(name string) string      { return string(f[name]) }
func (f Files) GetBytes(name string) []byte { return f[name] }
func (f Files) Lines(name string) []string {
	if len(f[name]) == 0 {
		return []string{}
	}
	return strings.Split(strings.TrimSuffix(string(f[name]), "\n"), "\n")
}

// KubeVersion and APIVersions are the .Capabilities of the cluster
// rendered for (there is none: the version and API groups given).
type KubeVersion struct {
	Version, Major, Minor string
}

func (k KubeVersion) String() string     { return k.Version }
func (k KubeVersion) GitVersion() string { return k.Version }

type APIVersions []string

func (a APIVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions APIVersions
}

// The API groups every supported cluster serves; --api-versions adds more
// (a CRD's group/version, or group/version/Kind).
var builtinAPIVersions = []string{
	"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2", "networking.k8s.io/v1",
	"rbac.authorization.k8s.io/v1", "storage.k8s.io/v1", "coordination.k8s.io/v1",
}

func newCapabilities(version string, extra []string) (Capabilities, error) {
	v, err := semver.NewVersion(version)
	if err != nil {
		return Capabilities{}, fmt.Errorf("--kube-version %q: %v", version, err)
	}
	return Capabilities{
		KubeVersion: KubeVersion{Version: "v" + v.String(), Major: fmt.Sprint(v.Major()), Minor: fmt.Sprint(v.Minor())},
		APIVersions: append(append(APIVersions{}, builtinAPIVersions...), extra...),
	}, nil
}

// Release describes the release being rendered, as .Release.
type Release struct {
	Name, Namespace string
}

type renderer struct {
	chart *Chart
	top   map[string]interface{}
	set   *template.Template
	depth int
}

// newRenderer parses every template of the chart into one set, with
// include and tpl bound to it.
func newRenderer(c *Chart, values map[string]interface{}, rel Release, caps Capabilities) (*renderer, error) {
	if c.Meta.KubeVersion != "" {
		constraint, err := semver.NewConstraint(c.Meta.KubeVersion)
		if err != nil {
			return nil, fmt.Errorf("Chart.yaml: kubeVersion %q: %v", c.Meta.KubeVersion, err)
		}
		v, _ := semver.NewVersion(caps.KubeVersion.Version)
		if !constraint.Check(v) {
			return nil, fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", c.Meta.KubeVersion, caps.KubeVersion.Version)
		}
	}
	r := &renderer{chart: c}
	r.top = map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name": rel.Name, "Namespace": rel.Namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Chart":        c.Meta,
		"Capabilities": caps,
		"Files":        Files(c.Files),
	}
	r.set = template.New("chart").Option("missingkey=zero").Funcs(baseFuncs()).Funcs(r.funcs())
	for _, name := range c.templateNames() {
		if _, err := r.set.New(name).Parse(c.Templates[name]); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *renderer) funcs() template.FuncMap {
	return template.FuncMap{"include": r.include, "tpl": r.tpl}
}

func (r *renderer) include(name string, data interface{}) (string, error) {
	if r.depth >= maxIncludeDepth {
		return "", fmt.Errorf("include %q: nested too deeply (%d)", name, maxIncludeDepth)
	}
	r.depth++
	defer func() { r.depth-- }()
	var buf bytes.Buffer
	if err := r.set.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// tpl renders a string as a template, with the chart's named templates at
// hand, against data (usually the top-level objects, `$`).
func (r *renderer) tpl(text string, data interface{}) (string, error) {
	if r.depth >= maxIncludeDepth {
		return "", fmt.Errorf("tpl: nested too deeply (%d)", maxIncludeDepth)
	}
	r.depth++
	defer func() { r.depth-- }()
	clone, err := r.set.Clone()
	if err != nil {
		return "", err
	}
	t, err := clone.Funcs(r.funcs()).New("tpl").Parse(text)
	if err != nil {
		return "", fmt.Errorf("tpl: %v", err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("tpl: %v", err)
	}
	return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
}

// renderFile executes one template file with the top-level objects and
// its own .Template; missing values print as empty, as in Helm.
func (r *renderer) renderFile(name string) (string, error) {
	data := make(map[string]interface{}, len(r.top)+1)
	for k, v := range r.top {
		data[k] = v
	}
	data["Template"] = map[string]interface{}{"Name": name, "BasePath": r.chart.Meta.Name + "/templates"}
	var buf bytes.Buffer
	if err := r.set.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
}

// isPartial: files whose name starts with "_" only define named templates.
func isPartial(name string) bool {
	return strings.HasPrefix(path.Base(name), "_")
}

func isNotes(name string) bool {
	return path.Base(name) == "NOTES.txt"
}
