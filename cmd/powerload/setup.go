package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/internal/vocab"
)

// department is one of the load's departments, with its editor's
// connection.
type department struct {
	index       int
	name        string // departments/{id}
	displayName string
	editor      *client.Client
}

// cast is who takes part: departments with one editor each, reviewers
// and publishers, all distinct principals (four eyes: the submitter, the
// reviewer and the publisher of a batch are three people), and the
// anonymous portal.
type cast struct {
	departments []*department
	reviewers   []*client.Client
	publishers  []*client.Client
	portal      *client.Client
	clients     []*client.Client // to close
}

func (c *cast) close() {
	for _, cl := range c.clients {
		cl.Close()
	}
}

// setup creates the departments and the tokens with the admin token, a few
// calls at a time.
func setup(ctx context.Context, t *target, o *options, rec *recorder) (*cast, error) {
	admin, err := client.Dial(t.addr, client.Options{Token: t.admin})
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	c := &cast{}
	dial := func(token string) (*client.Client, error) {
		cl, err := client.Dial(t.addr, client.Options{Token: token})
		if err == nil {
			c.clients = append(c.clients, cl)
		}
		return cl, err
	}
	if c.portal, err = dial(""); err != nil {
		return nil, err
	}
	prefix := ""
	if t.tag != "" {
		prefix = t.tag + "-"
	}
	mint := func(id string, roles []string, depts ...string) (string, error) {
		var secret string
		err := rec.do(ctx, "CreateToken", func(ctx context.Context) error {
			resp, err := admin.Access.CreateToken(ctx, &pb.CreateTokenRequest{TokenId: prefix + id,
				Token: &pb.Token{Roles: roles, Departments: depts}})
			secret = resp.GetSecret()
			return err
		})
		return secret, err
	}

	c.departments = make([]*department, o.departments)
	secrets := make([]string, o.departments)
	err = parallel(o.departments, 8, func(i int) error {
		d := vocab.Department(i)
		id, display := prefix+d.ID, d.DisplayName
		if t.tag != "" {
			display += "（压测 " + t.tag + "）"
		}
		err := rec.do(ctx, "CreateDepartment", func(ctx context.Context) error {
			_, err := admin.Registry.CreateDepartment(ctx, &pb.CreateDepartmentRequest{DepartmentId: id,
				Department: &pb.Department{DisplayName: display, RegionCode: d.RegionCode}})
			return err
		})
		if err != nil {
			return fmt.Errorf("create department %s: %w", id, err)
		}
		c.departments[i] = &department{index: i, name: "departments/" + id, displayName: display}
		secrets[i], err = mint("clerk-"+d.ID, []string{"editor"}, "departments/"+id)
		return err
	})
	if err != nil {
		return nil, err
	}
	for i, d := range c.departments {
		if d.editor, err = dial(secrets[i]); err != nil {
			return nil, err
		}
	}
	for _, role := range []struct {
		name string
		n    int
		into *[]*client.Client
	}{{"reviewer", o.reviewers, &c.reviewers}, {"publisher", o.publishers, &c.publishers}} {
		for i := range role.n {
			secret, err := mint(fmt.Sprintf("%s-%d", role.name, i+1), []string{role.name})
			if err != nil {
				return nil, err
			}
			cl, err := dial(secret)
			if err != nil {
				return nil, err
			}
			*role.into = append(*role.into, cl)
		}
	}
	return c, nil
}

// parallel runs f(0..n-1), at most width at once, and returns the first
// error.
func parallel(n, width int, f func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, width)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := f(i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}
