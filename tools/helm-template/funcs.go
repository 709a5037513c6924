// funcs.go - the functions templates may call: sprig's text functions
// without env and expandenv (Helm drops them: a chart renders the same on
// every machine), and Helm's own: include, tpl, required, toYaml,
// fromYaml, fromYamlArray, toJson, fromJson, lookup (nothing to look up
// without a cluster, so an empty map, as `helm template` gives).
package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"sigs.k8s.io/yaml"
)

// Helm stops an include or tpl that nests deeper than this.
const maxIncludeDepth = 1000

func baseFuncs() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	f["toYaml"] = toYaml
	f["mustToYaml"] = mustToYaml
	f["fromYaml"] = fromYaml
	f["fromYamlArray"] = fromYamlArray
	f["toJson"] = toJson
	f["fromJson"] = fromJson
	f["required"] = required
	f["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	// Placeholders, replaced per render by renderer.funcs (the template
	// set must know their names when it is parsed).
	f["include"] = func(string, interface{}) (string, error) { return "", nil }
	f["tpl"] = func(string, interface{}) (string, error) { return "", nil }
	return f
}

// toYaml as Helm has it: errors become an empty string, and the trailing
// newline is trimmed so that nindent places the block.
func toYaml(v interface{}) string {
	out, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

func mustToYaml(v interface{}) (string, error) {
	out, err := yaml.Marshal(v)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(out), "\n"), nil
}

// fromYaml gives a map; on a parse error, a map whose "Error" holds the
// message (Helm's behaviour, so that templates can test for it).
func fromYaml(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromYamlArray(s string) []interface{} {
	var a []interface{}
	if err := yaml.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

func toJson(v interface{}) string {
	out, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(out)
}

func fromJson(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

// required fails the render with msg when the value is missing or an
// empty string, and passes it through otherwise.
func required(msg string, v interface{}) (interface{}, error) {
	if v == nil {
		return nil, fmt.Errorf("%s", msg)
	}
	if s, ok := v.(string); ok && s == "" {
		return nil, fmt.Errorf("%s", msg)
	}
	return v, nil
}
