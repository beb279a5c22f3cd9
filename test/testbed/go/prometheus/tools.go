//go:build tools

// Package tools pins a current Prometheus 3.x server (module v0.316.0 is Prometheus 3.16).
package tools

import _ "github.com/prometheus/prometheus/cmd/prometheus"
