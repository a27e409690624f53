// Package local is the stand-in for pulumi-command 1.2.1's `command:local:Command` (tests only).
//
// It is written against the same framework as the real provider (pulumi-go-provider v1.3.0, infer), with
// the same input and output shapes, so the resource token, the schema, the default Diff (infer's, which
// pulumi-command 1.2.1 does not override) and the secret handling are the framework's, as for users.
// What it does, following pulumi-command v1.2.1 provider/pkg/provider/local:
//   - Create (commandController.go): in a preview nothing runs; otherwise `create` runs, if set.
//   - Update: `update` runs, or `create` when there is no `update`; the previous stdout/stderr are kept
//     in the new state until the command succeeds and replaces them.
//   - Delete: `delete` runs, if set, with the last stdout/stderr in its environment.
//   - A failed command returns an error and no state: the engine keeps the resource's old state.
//   - run (commandOutputs.go): interpreter (default /bin/sh -c), `dir` (default: the provider's own
//     working directory, the one the engine started it in), the provider's environment plus
//     `environment`, PULUMI_COMMAND_STDOUT/STDERR when addPreviousOutputInEnv is not false and the
//     previous run printed something, `stdin`, stdout/stderr without their last newline.
//
// Not modelled: assetPaths/archivePaths (accepted, no assets are collected), the `logging` choice of
// what is streamed to the engine (output is logged to the engine as the real provider does by default),
// remote:* resources and the local.run invoke.
//
// Each call is appended to the journal named by COMMAND_STANDIN_JOURNAL (one JSON object a line):
// the operation, the resource name, the command, the directory it ran in, the names (never the values)
// of the variables it got from `environment` and from the previous output, and how it ended.
package local

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi-go-provider/infer/types"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Logging is the `logging` enum of pulumi-command 1.2.1 (local/logging.go).
type Logging string

const (
	LogStdout          Logging = "stdout"
	LogStderr          Logging = "stderr"
	LogStdoutAndStderr Logging = "stdoutAndStderr"
	NoLogging          Logging = "none"
)

func (Logging) Values() []infer.EnumValue[Logging] {
	return []infer.EnumValue[Logging]{
		{Name: string(LogStdout), Value: LogStdout},
		{Name: string(LogStderr), Value: LogStderr},
		{Name: string(LogStdoutAndStderr), Value: LogStdoutAndStderr},
		{Name: string(NoLogging), Value: NoLogging},
	}
}

// ResourceInputs: pulumi-command 1.2.1 common/inputs.go (triggers replace on change, as there).
type ResourceInputs struct {
	Triggers *[]any  `pulumi:"triggers,optional" provider:"replaceOnChanges"`
	Create   *string `pulumi:"create,optional"`
	Update   *string `pulumi:"update,optional"`
	Delete   *string `pulumi:"delete,optional"`
}

// BaseInputs: pulumi-command 1.2.1 local/base.go.
type BaseInputs struct {
	Stdin                  *string            `pulumi:"stdin,optional"`
	Logging                *Logging           `pulumi:"logging,optional"`
	Interpreter            *[]string          `pulumi:"interpreter,optional"`
	Dir                    *string            `pulumi:"dir,optional"`
	Environment            *map[string]string `pulumi:"environment,optional"`
	AssetPaths             *[]string          `pulumi:"assetPaths,optional"`
	ArchivePaths           *[]string          `pulumi:"archivePaths,optional"`
	AddPreviousOutputInEnv *bool              `pulumi:"addPreviousOutputInEnv,optional"`
}

// BaseOutputs: pulumi-command 1.2.1 local/base.go.
type BaseOutputs struct {
	Stdout  string                            `pulumi:"stdout"`
	Stderr  string                            `pulumi:"stderr"`
	Assets  *map[string]*types.AssetOrArchive `pulumi:"assets,optional"`
	Archive *resource.Archive                 `pulumi:"archive,optional"`
}

type CommandInputs struct {
	ResourceInputs
	BaseInputs
}

type CommandOutputs struct {
	CommandInputs
	BaseOutputs
}

// Command is the stand-in's `command:local:Command`.
type Command struct{}

func (c *Command) Annotate(a infer.Annotator) {
	a.Describe(&c, "Stand-in for pulumi-command 1.2.1's local.Command (tests only).")
}

var (
	_ = (infer.CustomResource[CommandInputs, CommandOutputs])((*Command)(nil))
	_ = (infer.CustomUpdate[CommandInputs, CommandOutputs])((*Command)(nil))
	_ = (infer.CustomDelete[CommandOutputs])((*Command)(nil))
)

func (c *Command) Create(ctx context.Context, req infer.CreateRequest[CommandInputs]) (infer.CreateResponse[CommandOutputs], error) {
	state := CommandOutputs{CommandInputs: req.Inputs}
	id, err := resource.NewUniqueHex(req.Name, 8, 0)
	if err != nil {
		return infer.CreateResponse[CommandOutputs]{ID: id, Output: state}, err
	}
	if req.DryRun || req.Inputs.Create == nil {
		return infer.CreateResponse[CommandOutputs]{ID: id, Output: state}, nil
	}
	err = run(ctx, "create", req.Name, *req.Inputs.Create, state.BaseInputs, &state.BaseOutputs)
	return infer.CreateResponse[CommandOutputs]{ID: id, Output: state}, err
}

func (c *Command) Update(ctx context.Context, req infer.UpdateRequest[CommandInputs, CommandOutputs]) (infer.UpdateResponse[CommandOutputs], error) {
	news := req.Inputs
	state := CommandOutputs{CommandInputs: news, BaseOutputs: req.State.BaseOutputs}
	if req.DryRun {
		return infer.UpdateResponse[CommandOutputs]{Output: state}, nil
	}
	cmd := news.Create
	if news.Update != nil {
		cmd = news.Update
	}
	if cmd == nil {
		return infer.UpdateResponse[CommandOutputs]{Output: state}, nil
	}
	err := run(ctx, "update", nameOf(req.ID), *cmd, state.BaseInputs, &state.BaseOutputs)
	return infer.UpdateResponse[CommandOutputs]{Output: state}, err
}

func (c *Command) Delete(ctx context.Context, req infer.DeleteRequest[CommandOutputs]) (infer.DeleteResponse, error) {
	props := req.State
	if props.Delete == nil {
		journal(entry{Op: "delete", Name: nameOf(req.ID), OK: true})
		return infer.DeleteResponse{}, nil
	}
	return infer.DeleteResponse{}, run(ctx, "delete", nameOf(req.ID), *props.Delete, props.BaseInputs, &props.BaseOutputs)
}

// nameOf: the id is the resource name and 8 random hex digits (resource.NewUniqueHex, as upstream).
func nameOf(id string) string {
	if len(id) > 8 {
		return id[:len(id)-8]
	}
	return id
}

type entry struct {
	T         int64    `json:"t"`
	Op        string   `json:"op"`
	Name      string   `json:"name"`
	Command   string   `json:"command,omitempty"`
	Dir       string   `json:"dir,omitempty"`
	Env       []string `json:"env,omitempty"`
	Previous  []string `json:"previous,omitempty"`
	OK        bool     `json:"ok"`
	Error     string   `json:"error,omitempty"`
	DurationM int64    `json:"ms"`
}

var journalMu sync.Mutex

func journal(e entry) {
	file := os.Getenv("COMMAND_STANDIN_JOURNAL")
	if file == "" {
		return
	}
	if e.T == 0 {
		e.T = time.Now().UnixMilli()
	}
	b, _ := json.Marshal(e)
	journalMu.Lock()
	defer journalMu.Unlock()
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		fmt.Fprintf(os.Stderr, "stand-in command provider: journal %s: %v\n", file, err)
		return
	}
	defer f.Close()
	_, _ = f.Write(append(b, '\n'))
}

// lineLogger sends each complete line to the engine as an info message on the resource, as upstream's
// util.LogOutput does.
type lineLogger struct {
	ctx context.Context
	buf bytes.Buffer
	mu  sync.Mutex
}

func (l *lineLogger) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(b)
	for {
		line, err := l.buf.ReadString('\n')
		if err != nil {
			l.buf.Reset()
			l.buf.WriteString(line)
			return len(b), nil
		}
		p.GetLogger(l.ctx).InfoStatus(strings.TrimSuffix(line, "\n"))
	}
}

func run(ctx context.Context, op, name, command string, in BaseInputs, out *BaseOutputs) error {
	args := []string{"/bin/sh", "-c"}
	if in.Interpreter != nil && len(*in.Interpreter) > 0 {
		args = append([]string{}, *in.Interpreter...)
	}
	args = append(args, command)
	e := entry{T: time.Now().UnixMilli(), Op: op, Name: name, Command: command}

	var stdoutbuf, stderrbuf, both bytes.Buffer
	var bothMu sync.Mutex
	cw := writerFunc(func(b []byte) (int, error) { bothMu.Lock(); defer bothMu.Unlock(); return both.Write(b) })
	logw := &lineLogger{ctx: ctx}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	stdoutW := []io.Writer{&stdoutbuf, cw}
	stderrW := []io.Writer{&stderrbuf, cw}
	if in.Logging == nil || *in.Logging == LogStdout || *in.Logging == LogStdoutAndStderr {
		stdoutW = append(stdoutW, logw)
	}
	if in.Logging == nil || *in.Logging == LogStderr || *in.Logging == LogStdoutAndStderr {
		stderrW = append(stderrW, logw)
	}
	cmd.Stdout = io.MultiWriter(stdoutW...)
	cmd.Stderr = io.MultiWriter(stderrW...)

	if in.Dir != nil {
		cmd.Dir = *in.Dir
	} else {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		cmd.Dir = wd
	}
	e.Dir = cmd.Dir
	cmd.Env = os.Environ()
	if in.Environment != nil {
		for k, v := range *in.Environment {
			cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%s", k, v))
			e.Env = append(e.Env, k)
		}
		sort.Strings(e.Env)
	}
	if in.AddPreviousOutputInEnv == nil || *in.AddPreviousOutputInEnv {
		if out.Stdout != "" {
			cmd.Env = append(cmd.Env, "PULUMI_COMMAND_STDOUT="+out.Stdout)
			e.Previous = append(e.Previous, "PULUMI_COMMAND_STDOUT")
		}
		if out.Stderr != "" {
			cmd.Env = append(cmd.Env, "PULUMI_COMMAND_STDERR="+out.Stderr)
			e.Previous = append(e.Previous, "PULUMI_COMMAND_STDERR")
		}
	}
	if in.Stdin != nil && len(*in.Stdin) > 0 {
		cmd.Stdin = strings.NewReader(*in.Stdin)
	}

	err := cmd.Run()
	e.DurationM = time.Now().UnixMilli() - e.T
	if logw.buf.Len() > 0 {
		p.GetLogger(ctx).InfoStatus(logw.buf.String())
	}
	if err != nil {
		e.Error = err.Error()
		journal(e)
		return fmt.Errorf("%w: running %q:\n%s", err, command, both.String())
	}
	e.OK = true
	journal(e)
	out.Stdout = strings.TrimSuffix(stdoutbuf.String(), "\n")
	out.Stderr = strings.TrimSuffix(stderrbuf.String(), "\n")
	return nil
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
