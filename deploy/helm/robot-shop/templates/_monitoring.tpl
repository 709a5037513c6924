{{/*
_monitoring.tpl - what monitoring.enabled adds to the workloads, as the
Kustomize monitoring component (and, in the mesh, its istio part) patches
them in: each datastore's exporter as a sidecar signing in as the
datastore's monitoring user, RabbitMQ's own metrics port, and under Istio
the annotations that let Prometheus scrape past the sidecars.
*/}}

{{/* Is a datastore's exporter rendered? Only for a datastore in the
     chart (an external one's exporter is the operator's). Arguments:
     list $ store; prints "true" or nothing. */}}
{{- define "robot-shop.monitored" -}}
{{- $top := index . 0 -}}
{{- if and $top.Values.monitoring.enabled (not (include "robot-shop.isExternal" .)) }}true{{ end -}}
{{- end }}

{{/* The port each datastore's metrics answer on. */}}
{{- define "robot-shop.metricsPorts" -}}
mongodb: 9216
mysql: 9104
redis: 9121
rabbitmq: 15692
{{- end }}

{{/* A datastore pod's annotations for monitoring in the mesh: its
     metrics port left out of the sidecar's inbound capture. Arguments:
     list $ store. */}}
{{- define "robot-shop.exporterAnnotations" -}}
{{- $top := index . 0 -}}
{{- if and (include "robot-shop.monitored" .) $top.Values.istio.enabled }}
traffic.sidecar.istio.io/excludeInboundPorts: {{ index (include "robot-shop.metricsPorts" . | fromYaml) (index . 1) | toString | quote }}
{{- end }}
{{- end }}

{{/* A service pod's annotations for monitoring in the mesh: its own
     /metrics for the sidecar to merge into port 15020. */}}
{{- define "robot-shop.mergedMetricsAnnotations" -}}
{{- if and .Values.monitoring.enabled .Values.istio.enabled }}
prometheus.io/scrape: "true"
prometheus.io/port: "8080"
prometheus.io/path: /metrics
{{- end }}
{{- end }}

{{/* A datastore's exporter container, appended to its pod's (the
     datastore stays the first): it connects over localhost as the
     datastore's monitoring user and answers on port metrics. Nothing for
     RabbitMQ, whose plugin exports its metrics itself. Arguments:
     list $ store. */}}
{{- define "robot-shop.exporter" -}}
{{- $top := index . 0 -}}
{{- $store := index . 1 -}}
{{- if and (include "robot-shop.monitored" .) (ne $store "rabbitmq") }}
{{- $port := index (include "robot-shop.metricsPorts" . | fromYaml) $store }}
- name: exporter
  image: {{ index $top.Values.monitoring.exporters $store "image" }}
  {{- if eq $store "mongodb" }}
  args: [--mongodb.uri=mongodb://127.0.0.1:27017/admin, --web.listen-address=:9216, --collector.diagnosticdata]
  {{- else if eq $store "mysql" }}
  args: [--mysqld.address=127.0.0.1:3306, --mysqld.username=monitoring]
  {{- end }}
  ports:
    - {name: metrics, containerPort: {{ $port }}, protocol: TCP}
  env:
    {{- if eq $store "mongodb" }}
    - {name: MONGODB_USER, value: monitoring}
    {{- include "robot-shop.secretEnv" (list $top "MONGODB_PASSWORD" "mongodb" "monitoring-password") | nindent 4 }}
    {{- else if eq $store "mysql" }}
    {{- include "robot-shop.secretEnv" (list $top "MYSQLD_EXPORTER_PASSWORD" "mysql" "monitoring-password") | nindent 4 }}
    {{- else }}
    - {name: REDIS_ADDR, value: "redis://localhost:6379"}
    - {name: REDIS_USER, value: monitoring}
    {{- include "robot-shop.secretEnv" (list $top "REDIS_PASSWORD" "redis" "monitoring-password") | nindent 4 }}
    {{- end }}
  resources:
    {{- if eq $store "mongodb" }}
    requests: {cpu: 10m, memory: 32Mi}
    limits: {cpu: 200m, memory: 128Mi}
    {{- else }}
    requests: {cpu: 10m, memory: 16Mi}
    limits: {cpu: 100m, memory: 64Mi}
    {{- end }}
  readinessProbe:
    httpGet: {path: {{ ternary "/health" "/" (eq $store "redis") }}, port: metrics}
    periodSeconds: 10
  livenessProbe:
    httpGet: {path: {{ ternary "/health" "/" (eq $store "redis") }}, port: metrics}
    initialDelaySeconds: 10
    periodSeconds: 20
  {{- include "robot-shop.containerSecurity" $top | nindent 2 }}
{{- end }}
{{- end }}
