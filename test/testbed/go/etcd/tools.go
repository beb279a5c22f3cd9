//go:build tools

// Package tools pins etcd's server, whose module root is the etcd command.
package tools

import _ "go.etcd.io/etcd/server/v3"
