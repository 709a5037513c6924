// helm-template - renders a Helm chart offline, as `helm template` would,
// for the features this project's chart uses (see README.md here). It does
// not validate values against values.schema.json: --show-values prints the
// coalesced values as JSON for a JSON Schema validator to check first.
//
//	helm-template [-f values.yaml]... [--namespace NS] [--release-name NAME]
//	              [--kube-version 1.31.0] [--api-versions group/version]...
//	              [--show-values | --notes] CHART_DIR
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// Helm applies manifests in this order of kinds (others after them); its
// `template` prints them so too.
var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
	"PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
	"ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
	"RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
	"APIService",
}

var (
	docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)
	kindLine     = regexp.MustCompile(`(?m)^kind:[ \t]*["']?([A-Za-z0-9]+)`)
)

type manifest struct {
	source, body string
	order        int
}

func kindOrder(body string) int {
	m := kindLine.FindStringSubmatch(body)
	if m == nil {
		return len(installOrder)
	}
	for i, k := range installOrder {
		if k == m[1] {
			return i
		}
	}
	return len(installOrder)
}

func main() {
	var valueFiles, apiVersions listFlag
	namespace := flag.String("namespace", "default", "the release's namespace (.Release.Namespace)")
	release := flag.String("release-name", "release-name", "the release's name (.Release.Name)")
	kubeVersion := flag.String("kube-version", "1.31.0", "the Kubernetes version of .Capabilities")
	showValues := flag.Bool("show-values", false, "print the coalesced values as JSON and stop")
	notes := flag.Bool("notes", false, "print the rendered NOTES.txt instead of the manifests")
	flag.Var(&valueFiles, "f", "a values file (repeatable; later files win)")
	flag.Var(&apiVersions, "api-versions", "an API version the cluster serves, beyond the built-in ones (repeatable)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: helm-template [-f values.yaml]... [--namespace NS] [--release-name NAME] [--show-values|--notes] CHART_DIR")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), valueFiles, *namespace, *release, *kubeVersion, apiVersions, *showValues, *notes); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func run(dir string, valueFiles []string, namespace, release, kubeVersion string, apiVersions []string, showValues, notes bool) error {
	chart, err := loadChart(dir)
	if err != nil {
		return err
	}
	values := chart.Defaults
	for _, f := range valueFiles {
		user, err := readValues(f)
		if err != nil {
			return err
		}
		values = coalesce(values, user)
	}
	if showValues {
		out, err := json.MarshalIndent(values, "", "  ")
		if err != nil {
			return err
		}
		fmt.Println(string(out))
		return nil
	}
	caps, err := newCapabilities(kubeVersion, apiVersions)
	if err != nil {
		return err
	}
	r, err := newRenderer(chart, values, Release{Name: release, Namespace: namespace}, caps)
	if err != nil {
		return err
	}
	var manifests []manifest
	for _, name := range chart.templateNames() {
		if isPartial(name) || (isNotes(name) != notes) {
			continue
		}
		out, err := r.renderFile(name)
		if err != nil {
			return err
		}
		if notes {
			fmt.Print(out)
			continue
		}
		for _, doc := range docSeparator.Split(out, -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			doc = strings.TrimLeft(doc, "\n")
			manifests = append(manifests, manifest{source: name, body: doc, order: kindOrder(doc)})
		}
	}
	sort.SliceStable(manifests, func(i, j int) bool { return manifests[i].order < manifests[j].order })
	for _, m := range manifests {
		fmt.Printf("---\n# Source: %s\n%s", m.source, m.body)
		if !strings.HasSuffix(m.body, "\n") {
			fmt.Println()
		}
	}
	return nil
}
