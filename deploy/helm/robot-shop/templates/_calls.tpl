{{/*
_calls.tpl - the shop's architecture as data, for the network policies
and Istio's authorization policies: for each workload who calls it
(from), whom it calls on which port (to), whether it is the public front
door, a datastore (and its port), which of its routes are internal (never
reachable through the ingress gateway), and whether the gateway routes to it.
*/}}
{{- define "robot-shop.calls" }}
web:       {public: true, routed: true, to: [catalogue:8080, user:8080, cart:8080, shipping:8080, ratings:8080, payment:8080]}
catalogue: {routed: true, from: [web, cart, ratings], to: [mongodb:27017]}
user:      {routed: true, from: [web, payment], to: [mongodb:27017, redis:6379], internalPaths: [/order/*]}
cart:      {routed: true, from: [web, shipping, payment], to: [redis:6379, catalogue:8080], internalPaths: [/shipping/*]}
shipping:  {routed: true, from: [web], to: [mysql:3306, cart:8080]}
ratings:   {routed: true, from: [web], to: [mysql:3306, catalogue:8080]}
payment:   {routed: true, from: [web], to: [rabbitmq:5672, user:8080, cart:8080]}
dispatch:  {from: [], to: [rabbitmq:5672, redis:6379]}
mongodb:   {datastore: true, from: [catalogue, user], port: 27017}
redis:     {datastore: true, from: [cart, user, dispatch], port: 6379}
mysql:     {datastore: true, from: [shipping, ratings], port: 3306}
rabbitmq:  {datastore: true, from: [payment, dispatch], port: 5672}
{{- end }}
