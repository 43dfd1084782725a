package sessiontoken_test

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// quickStart returns the ```go block of README.md's "Quick start" section
// and the README line it starts on.
func quickStart(t *testing.T) (string, int) {
	t.Helper()
	raw, err := os.ReadFile("README.md")
	require.NoError(t, err)
	readme := strings.ReplaceAll(string(raw), "\r\n", "\n")
	_, rest, ok := strings.Cut(readme, "\n## Quick start\n")
	require.True(t, ok, `README.md has no "## Quick start" section`)
	section := rest
	if next := strings.Index(section, "\n## "); next >= 0 {
		section = section[:next]
	}
	before, block, ok := strings.Cut(section, "```go\n")
	require.True(t, ok, "the Quick start section has no ```go block")
	block, _, ok = strings.Cut(block, "```")
	require.True(t, ok, "the Quick start ```go block is not closed")
	require.NotEmpty(t, strings.TrimSpace(block))
	line := strings.Count(readme[:len(readme)-len(rest)]+before, "\n") + 2
	return block, line
}

// quickStartWrapper makes the README's snippet a Go file: the snippet is
// the body of a function whose parameters are what the snippet takes from
// its surroundings (a request, a router, a user…). The blank variables
// keep each import used whether or not the snippet uses it.
const quickStartWrapper = `package readmecheck

import (
	"context"
	"net/http"

	"github.com/sessiontoken/sessiontoken"
	"github.com/sessiontoken/sessiontoken/keys"
	"github.com/sessiontoken/sessiontoken/middleware"
	"github.com/sessiontoken/sessiontoken/revocation"
)

var (
	_ keys.Provider
	_ revocation.Store
	_ sessiontoken.Config
	_ = middleware.SessionFrom
)

type demoUser struct {
	ID    string
	Roles []string
}

func quickStart(ctx context.Context, user demoUser, mux *http.ServeMux, meHandler http.Handler, r *http.Request, refreshToken string) {
//line README.md:%d
%s
}
`

// typeCheck parses and type-checks the snippet inside quickStartWrapper.
// Unused variables are allowed: the README elides error handling, so err
// and friends are set and never read.
//
// Imports are read from the compiler's export data, which `go list
// -export` builds (or finds in the build cache) for this module's
// packages: the check sees exactly what a build of this tree sees, runs
// offline (GOPROXY=off: every dependency is already in the module cache
// for the tests to run) and takes well under a second once the cache is
// warm.
// Positions in errors are README.md's lines.
func typeCheck(exports map[string]string, snippet string, line int) error {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "README.md:quickstart.go", fmt.Sprintf(quickStartWrapper, line, snippet), parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	var errs []error
	conf := types.Config{
		Importer: importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
			file, ok := exports[path]
			if !ok {
				return nil, fmt.Errorf("no export data for %q", path)
			}
			return os.Open(file)
		}),
		Error: func(err error) {
			var te types.Error
			if errors.As(err, &te) && strings.Contains(te.Msg, "declared and not used") {
				return
			}
			errs = append(errs, err)
		},
	}
	_, _ = conf.Check("readmecheck", fset, []*ast.File{f}, nil)
	return errors.Join(errs...)
}

// exportData maps the import path of every package quickStartWrapper
// depends on, directly or not, to its export data file.
func exportData(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "wrapper.go", quickStartWrapper, parser.ImportsOnly)
	require.NoError(t, err)
	args := []string{"list", "-export", "-deps", "-f", "{{if .Export}}{{.ImportPath}}={{.Export}}{{end}}"}
	for _, imp := range f.Imports {
		path, err := strconv.Unquote(imp.Path.Value)
		require.NoError(t, err)
		args = append(args, path)
	}
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOPROXY=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list -export: %s", stderr.String())
	exports := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, file, ok := strings.Cut(line, "=")
		require.True(t, ok, "go list line %q", line)
		exports[path] = file
	}
	return exports
}

// TestReadmeQuickStartCompiles keeps README.md's code honest: its Quick
// start block must type-check against the current API. The broken copies
// show the check fails when the block stops compiling.
func TestReadmeQuickStartCompiles(t *testing.T) {
	block, line := quickStart(t)
	exports := exportData(t)
	require.NoError(t, typeCheck(exports, block, line), "README.md's Quick start block does not compile:\n%s", block)

	broken := []struct {
		name, old, new string
		wantErr        string
	}{
		{name: "misspelled method", old: "mgr.Refresh(", new: "mgr.Refreshh(", wantErr: "Refreshh"},
		{name: "missing argument", old: "mgr.Logout(ctx, ", new: "mgr.Logout(", wantErr: "not enough arguments"},
		{name: "unknown Config field", old: "Issuer:", new: "Issuers:", wantErr: "Issuers"},
		{name: "wrong type", old: "Audience: []string{", new: "Audience: []int{", wantErr: "as []string value"},
		{name: "syntax error", old: "pair, err = ", new: "pair, err = = ", wantErr: "expected"},
	}
	for _, tc := range broken {
		t.Run(tc.name, func(t *testing.T) {
			require.Contains(t, block, tc.old, "the README changed: pick another edit for this case")
			err := typeCheck(exports, strings.Replace(block, tc.old, tc.new, 1), line)
			if assert.Error(t, err) {
				assert.Contains(t, err.Error(), tc.wantErr)
				assert.Contains(t, err.Error(), "README.md:", "errors point into the README")
				t.Log(err)
			}
		})
	}
}
