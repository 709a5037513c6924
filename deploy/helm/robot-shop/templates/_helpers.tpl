{{/*
_helpers.tpl - the named templates the chart's files share: names,
labels, images, credentials, scheduling, and the pod and container
settings every service and every datastore has in common (what the
Kustomize base's pod-defaults.yaml patches give).
*/}}

{{- define "robot-shop.namespace" -}}
{{ .Values.namespace.name }}
{{- end }}

{{/* The labels of every object's metadata. */}}
{{- define "robot-shop.labels" -}}
app.kubernetes.io/part-of: robot-shop
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{/* The metadata of a shared object: name, namespace, labels.
     Arguments: list $ name. */}}
{{- define "robot-shop.metadata" -}}
{{- $top := index . 0 -}}
name: {{ index . 1 }}
namespace: {{ include "robot-shop.namespace" $top }}
labels:
  {{- include "robot-shop.labels" $top | nindent 2 }}
{{- end }}

{{/* The metadata of a workload's object, labelled with its name and
     component (service or datastore). Arguments: list $ name component. */}}
{{- define "robot-shop.workloadMetadata" -}}
{{- $top := index . 0 -}}
name: {{ index . 1 }}
namespace: {{ include "robot-shop.namespace" $top }}
labels:
  app.kubernetes.io/name: {{ index . 1 }}
  app.kubernetes.io/component: {{ index . 2 }}
  {{- include "robot-shop.labels" $top | nindent 2 }}
{{- end }}

{{/* A service's image. Arguments: list $ name tag; tag: one of its
     own (a canary's; empty: the service's tag, else image.tag). */}}
{{- define "robot-shop.image" -}}
{{- $top := index . 0 -}}
{{- $name := index . 1 -}}
{{- $img := $top.Values.image -}}
{{- $tag := index . 2 | default (index $top.Values.services $name).tag | default $img.tag -}}
{{- $registry := ternary "" (printf "%s/" $img.registry) (empty $img.registry) -}}
{{ printf "%s%s/%s:%s" $registry $img.repository $name $tag }}
{{- end }}

{{/* The Secret holding a datastore's credentials. Arguments: list $ store. */}}
{{- define "robot-shop.secretName" -}}
{{- $creds := index (index . 0).Values.credentials (index . 1) -}}
{{ $creds.existingSecret | default (printf "%s-credentials" (index . 1)) }}
{{- end }}

{{/* An env entry from a datastore's Secret. Arguments: list $ envName store key. */}}
{{- define "robot-shop.secretEnv" -}}
- name: {{ index . 1 }}
  valueFrom:
    secretKeyRef: {name: {{ include "robot-shop.secretName" (list (index . 0) (index . 2)) }}, key: {{ index . 3 }}}
{{- end }}

{{/* Is a datastore external (a host of the user's) or in the chart?
     Arguments: list $ store; prints "true" or nothing. */}}
{{- define "robot-shop.isExternal" -}}
{{- if (index (index . 0).Values.datastores (index . 1)).external.host }}true{{ end -}}
{{- end }}

{{/* The host:port the services reach a datastore at: its Service, on
     the external port for an external store. Arguments: list $ store port. */}}
{{- define "robot-shop.datastoreAddress" -}}
{{- $ds := index (index . 0).Values.datastores (index . 1) -}}
{{ index . 1 }}:{{ ternary $ds.external.port (index . 2) (not (empty $ds.external.host)) }}
{{- end }}

{{/* A pod's scheduling: the workload's own fields over the defaults;
     affinity merged by kind. Arguments: list defaults own. */}}
{{- define "robot-shop.scheduling" -}}
{{- $defaults := index . 0 -}}
{{- $own := index . 1 -}}
{{- $affinity := dict -}}
{{- range $kind, $rule := $defaults.affinity }}{{ $_ := set $affinity $kind $rule }}{{ end -}}
{{- range $kind, $rule := $own.affinity }}{{ $_ := set $affinity $kind $rule }}{{ end -}}
{{- with $own.nodeSelector | default $defaults.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $own.tolerations | default $defaults.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $own.topologySpreadConstraints | default $defaults.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The pod annotations of every workload: with Istio, the container
     starts only once its sidecar is ready (so that its first calls do not
     fail on a proxy not yet there). */}}
{{- define "robot-shop.podAnnotations" -}}
{{- if .Values.istio.enabled }}
proxy.istio.io/config: '{"holdApplicationUntilProxyStarts": true}'
{{- end }}
{{- end }}

{{/* A container's locked-down security context. */}}
{{- define "robot-shop.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: [ALL]
{{- end }}

{{/* What every service's pod has in common: no API token, a non-root
     numeric user, the runtime's seccomp profile, a grace period covering
     the preStop wait (5 s) and the drain (SHUTDOWN_GRACE_MS). */}}
{{- define "robot-shop.servicePod" -}}
automountServiceAccountToken: false
enableServiceLinks: false
terminationGracePeriodSeconds: 20
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001
  seccompProfile:
    type: RuntimeDefault
{{- end }}

{{/* What every service's container has in common: the security context,
     probes (ready on /ready, alive on /health, a startup probe while it
     seeds its store) and the preStop wait for the endpoints to drop it. */}}
{{- define "robot-shop.serviceContainer" -}}
{{ include "robot-shop.containerSecurity" . }}
startupProbe:
  httpGet: {path: /health, port: http}
  periodSeconds: 2
  timeoutSeconds: 2
  failureThreshold: 60
readinessProbe:
  httpGet: {path: /ready, port: http}
  periodSeconds: 5
  timeoutSeconds: 2
  failureThreshold: 2
livenessProbe:
  httpGet: {path: /health, port: http}
  periodSeconds: 10
  timeoutSeconds: 2
  failureThreshold: 3
lifecycle:
  preStop:
    sleep: {seconds: 5}
{{- end }}

{{/* What every datastore's pod has in common: no API token, the image's
     own non-root user (999), the volume group-owned through fsGroup, a
     minute for a clean shutdown. */}}
{{- define "robot-shop.datastorePod" -}}
automountServiceAccountToken: false
enableServiceLinks: false
terminationGracePeriodSeconds: 60
securityContext:
  runAsNonRoot: true
  runAsUser: 999
  runAsGroup: 999
  fsGroup: 999
  fsGroupChangePolicy: OnRootMismatch
  seccompProfile:
    type: RuntimeDefault
{{- end }}

{{/* A workload's ServiceAccount, with no API token. Arguments: list $ name. */}}
{{- define "robot-shop.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  {{- include "robot-shop.metadata" . | nindent 2 }}
automountServiceAccountToken: false
{{- end }}

{{/* A datastore's volume claim template. Arguments: the storage values. */}}
{{- define "robot-shop.volumeClaim" -}}
- metadata:
    name: data
  spec:
    accessModes: [ReadWriteOnce]
    {{- with .storageClassName }}
    storageClassName: {{ . }}
    {{- end }}
    resources:
      requests: {storage: {{ .size }}}
{{- end }}

{{/* A datastore's Service: headless, selecting its pods; or, for an
     external datastore, an ExternalName for its host. Arguments: list $
     store portName port. */}}
{{- define "robot-shop.datastoreService" -}}
{{- $top := index . 0 -}}
{{- $name := index . 1 -}}
{{- $ds := index $top.Values.datastores $name -}}
apiVersion: v1
kind: Service
metadata:
  {{- include "robot-shop.workloadMetadata" (list $top $name "datastore") | nindent 2 }}
spec:
  {{- if $ds.external.host }}
  type: ExternalName
  externalName: {{ $ds.external.host }}
  ports:
    - {name: {{ index . 2 }}, port: {{ $ds.external.port }}, protocol: TCP}
  {{- else }}
  # Headless: the name resolves to the pod itself.
  clusterIP: None
  selector:
    app.kubernetes.io/name: {{ $name }}
  ports:
    - {name: {{ index . 2 }}, port: {{ index . 3 }}, targetPort: {{ index . 2 }}, protocol: TCP}
  {{- end }}
{{- end }}

{{/* An object kept as a file of files/ (a copy of the Kustomize
     tree's), rendered with the chart's labels added to its own and, when
     namespaced, in the chart's namespace. Arguments: list $ object
     namespaced; object: the object as a dict (fromYaml of the file). */}}
{{- define "robot-shop.fileObject" -}}
{{- $top := index . 0 -}}
{{- $obj := index . 1 -}}
{{- $meta := $obj.metadata -}}
{{- $_ := set $meta "labels" (merge ($meta.labels | default dict) (include "robot-shop.labels" $top | fromYaml)) -}}
{{- if index . 2 }}{{ $_ := set $meta "namespace" (include "robot-shop.namespace" $top) }}{{ end -}}
{{ toYaml $obj }}
{{- end }}

{{/* A file of files/ (a copy of the Kustomize tree's, written for the
     namespace robot-shop), its PromQL matchers (namespace="robot-shop",
     also JSON-escaped in a dashboard) and Chaos Mesh selectors
     (namespaces: [robot-shop]) turned to the chart's namespace.
     Arguments: list $ path. */}}
{{- define "robot-shop.fileInNamespace" -}}
{{- $top := index . 0 -}}
{{- $ns := include "robot-shop.namespace" $top -}}
{{- $top.Files.Get (index . 1)
    | replace "namespace=\"robot-shop\"" (printf "namespace=%q" $ns)
    | replace "namespace=\\\"robot-shop\\\"" (printf "namespace=\\\"%s\\\"" $ns)
    | replace "namespaces: [robot-shop]" (printf "namespaces: [%s]" $ns) -}}
{{- end }}
