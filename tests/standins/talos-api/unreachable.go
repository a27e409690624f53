// A node that stops answering, and the removal of a dead control plane's etcd member (added for
// tests/lifecycle/talos-cluster-program.test.ts; methods of the same server as main.go/lifecycle.go).
//
// Shutdown (`talosctl shutdown --force --wait=false`): the node powers off at once, as a node whose
// host died would go: no cordon or drain and no etcd leave (Talos's shutdown never leaves etcd), so
// its etcd member stays listed and unhealthy and its Node object goes NotReady. From then on it
// answers nothing (main.go check() and lifecycle.go serverTLS refuse a halted node), so whatever tries
// to reach it fails; nothing brings it back.
//
// EtcdRemoveMemberByID (`talosctl etcd remove-member <id>`, talos v1.12 machined
// EtcdRemoveMemberByID -> etcd MemberRemove): removes the member by ID through this (answering,
// member) node, as etcd does: an unknown ID is refused ("member not found"), and with
// strict-reconfig-check (etcd's default) a removal that would leave fewer started members than the
// remaining cluster's quorum is refused.
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/api/machine"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func (s *server) Shutdown(ctx context.Context, req *machine.ShutdownRequest) (*machine.ShutdownResponse, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	s.c.event(s.n, "shutdown", fmt.Sprintf("force=%v", req.Force))
	// the reply leaves first, then the node is gone (power off: no etcd leave)
	go func() {
		s.n.mu.Lock()
		s.n.halted, s.n.up, s.n.ready = true, false, false
		s.n.downAt = time.Now()
		s.n.mu.Unlock()
		s.c.event(s.n, "power-off", "")
	}()
	return &machine.ShutdownResponse{Messages: []*machine.Shutdown{{Metadata: s.meta(), ActorId: "standin"}}}, nil
}

func (s *server) EtcdRemoveMemberByID(ctx context.Context, req *machine.EtcdRemoveMemberByIDRequest) (*machine.EtcdRemoveMemberByIDResponse, error) {
	if err := s.etcdRunning(); err != nil {
		return nil, err
	}
	var target *node
	for _, o := range s.controlPlanes() {
		if s.c.isMember(o.name) && memberID(o.name) == req.MemberId {
			target = o
		}
	}
	if target == nil {
		s.c.event(s.n, "etcd-remove-member-refused", fmt.Sprintf("%x not found", req.MemberId))
		return nil, status.Error(codes.Unknown, "etcdserver: member not found")
	}
	// strict-reconfig-check: the members left must still have a quorum of started ones
	remaining, started := 0, 0
	for _, o := range s.controlPlanes() {
		if o == target || !s.c.isMember(o.name) {
			continue
		}
		remaining++
		o.mu.Lock()
		if o.up && !o.halted {
			started++
		}
		o.mu.Unlock()
	}
	if started < remaining/2+1 {
		s.c.event(s.n, "etcd-remove-member-refused", fmt.Sprintf("%s: not enough started members", target.name))
		return nil, status.Error(codes.Unknown, "etcdserver: re-configuration failed due to not enough started members")
	}
	s.c.mu.Lock()
	delete(s.c.members, target.name)
	s.c.mu.Unlock()
	// on the removed node's name (its events tell its membership), through this node
	s.c.event(target, "etcd-member-removed", "through "+s.n.name)
	return &machine.EtcdRemoveMemberByIDResponse{Messages: []*machine.EtcdRemoveMemberByID{{Metadata: s.meta()}}}, nil
}
