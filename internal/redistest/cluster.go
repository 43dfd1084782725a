package redistest

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is a Redis Cluster of three masters (no replicas) started for one
// test and stopped when it ends.
type Cluster struct {
	Nodes []*Server
}

// StartCluster starts three `redis-server --cluster-enabled yes` nodes on
// spare ports and joins them with `redis-cli --cluster create … --cluster-yes`,
// then waits until every node reports cluster_state:ok. It skips the test
// when redis-server or redis-cli is missing.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	RequireBinary(t)
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redistest: redis-cli not found on PATH; it is needed to join the cluster")
	}
	c := &Cluster{}
	addrs := make([]string, 0, 3)
	for i := 0; i < 3; i++ {
		n := StartServer(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000")
		c.Nodes = append(c.Nodes, n)
		addrs = append(addrs, n.Addr())
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.Command(cli, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v: %s", err, lastLines(string(out), 5))
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, n := range c.Nodes {
		rc := redis.NewClient(&redis.Options{Addr: n.Addr()})
		for {
			info, err := rc.ClusterInfo(context.Background()).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				_ = rc.Close()
				t.Fatalf("redistest: cluster node %s not ok: %v %s", n.Addr(), err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
		_ = rc.Close()
	}
	return c
}

// Addrs returns the nodes' addresses.
func (c *Cluster) Addrs() []string {
	a := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		a[i] = n.Addr()
	}
	return a
}

// Client returns a cluster client, closed when the test ends.
func (c *Cluster) Client(t testing.TB) *redis.ClusterClient {
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	t.Cleanup(func() { _ = cc.Close() })
	return cc
}

// NodeFor returns the node that serves key's slot, by asking the cluster.
func (c *Cluster) NodeFor(t testing.TB, key string) *Server {
	t.Helper()
	cc := c.Client(t)
	shards, err := cc.ClusterShards(context.Background()).Result()
	if err != nil {
		t.Fatalf("redistest: CLUSTER SHARDS: %v", err)
	}
	s := int(slotOf(key))
	var port int64
	for _, sh := range shards {
		for _, r := range sh.Slots {
			if s >= int(r.Start) && s <= int(r.End) {
				for _, n := range sh.Nodes {
					if n.Role == "master" {
						port = n.Port
					}
				}
			}
		}
	}
	for _, n := range c.Nodes {
		if int64(n.port) == port {
			return n
		}
	}
	t.Fatalf("redistest: no node serves slot %d", s)
	return nil
}

// slotOf is the Redis Cluster key slot: CRC16 (XMODEM) of the hash tag or
// the whole key, modulo 16384.
func slotOf(key string) uint16 {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for k := 0; k < len(key); k++ {
		crc ^= uint16(key[k]) << 8
		for b := 0; b < 8; b++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc % 16384
}
