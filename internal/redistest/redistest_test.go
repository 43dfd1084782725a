package redistest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClientPrefixesAreUnique(t *testing.T) {
	ctx := context.Background()
	c1, p1 := Client(t)
	_, p2 := Client(t)
	require.NotEqual(t, p1, p2)
	require.NoError(t, c1.Set(ctx, p1+"k", "v", 0).Err())
	assert.Equal(t, "v", c1.Get(ctx, p1+"k").Val())
	assert.Zero(t, c1.Exists(ctx, p2+"k").Val())
}

func TestServerRestartComesBackEmpty(t *testing.T) {
	ctx := context.Background()
	s := StartServer(t)
	c := s.Client(t)
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	s.Kill()
	assert.Error(t, c.Ping(ctx).Err(), "killed server must not answer")
	s.Start()
	require.NoError(t, c.Ping(ctx).Err())
	assert.Zero(t, c.Exists(ctx, "k").Val(), "no persistence")
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	s.Flush()
	assert.Zero(t, c.Exists(ctx, "k").Val())
}

func TestCluster(t *testing.T) {
	ctx := context.Background()
	cl := StartCluster(t)
	cc := cl.Client(t)
	for _, k := range []string{"a", "b", "{x}c", "zz"} {
		require.NoError(t, cc.Set(ctx, k, "v", 0).Err())
		n := cl.NodeFor(t, k)
		assert.Equal(t, "v", n.Client(t).Get(ctx, k).Val(), "key %q on the node NodeFor names", k)
	}
}
