//go:build tools

// Package tools pins kwok, the kubelet stand-in that makes fake Nodes and serves their pods' port-forward.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
