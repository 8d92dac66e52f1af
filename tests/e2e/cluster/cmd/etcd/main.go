// Command etcd is the upstream etcd server (go.etcd.io/etcd/server/v3), the
// version Kubernetes itself pins, as the e2e cluster's storage.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
