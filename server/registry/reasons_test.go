package registry_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestReasonsAreListed: every reason that can leave
// the server is a constant Reason… of errors.go, and the README's Errors
// section documents each one. It reads the source of every package under
// server/ (tests excluded) and fails on a reason that is a string literal
// or computed (the gateway once sent RESOURCEEXHAUSTED, made by
// strings.ToUpper of a code), or a Reason… constant not declared in
// errors.go. A reason is the value of a field Reason in a composite literal
// (registry.Error, errdetails.ErrorInfo), the argument of any function's
// parameter named reason (withInfo, newErr, …), or a value assigned to a
// variable named reason.
func TestReasonsAreListed(t *testing.T) {
	fset := token.NewFileSet()
	errorsFile, err := parser.ParseFile(fset, "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{} // constant → value
	values := map[string]string{}
	for _, d := range errorsFile.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "Reason") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Errorf("errors.go: %s is not a string literal", name.Name)
					continue
				}
				v, _ := strconv.Unquote(lit.Value)
				if other, dup := values[v]; dup {
					t.Errorf("errors.go: %s and %s are both %q", other, name.Name, v)
				}
				reasons[name.Name], values[v] = v, name.Name
			}
		}
	}
	if len(reasons) < 20 {
		t.Fatalf("found %d reasons in errors.go; the parse is broken", len(reasons))
	}

	// Every non-test file under server/.
	files := map[string]*ast.File{}
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		files[path] = f
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Functions with a parameter named reason: the index of that argument.
	reasonArg := map[string]int{}
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			i := 0
			for _, field := range fd.Type.Params.List {
				for _, n := range field.Names {
					if strings.EqualFold(n.Name, "reason") {
						reasonArg[fd.Name.Name] = i
					}
					i++
				}
				if len(field.Names) == 0 {
					i++
				}
			}
		}
	}
	if _, ok := reasonArg["newErr"]; !ok {
		t.Fatal("newErr(class, reason, …) not found: the scan is broken")
	}
	checked := 0
	check := func(path string, e ast.Expr) {
		checked++
		pos := fset.Position(e.Pos())
		// Allowed besides the constants: "" (no reason), a variable or
		// field holding one (e.Reason), and reading one back
		// (info.GetReason(), reasonOf(st)).
		switch x := e.(type) {
		case *ast.BasicLit:
			if x.Value != `""` {
				t.Errorf("%s: the reason %s is a literal; use a constant of server/registry/errors.go (and document it in the README)", pos, x.Value)
			}
		case *ast.CallExpr:
			name := ""
			switch fn := x.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				name = fn.Sel.Name
			}
			if !strings.Contains(strings.ToLower(name), "reason") {
				t.Errorf("%s: a computed reason (%s); use a constant of server/registry/errors.go", pos, name)
			}
		case *ast.SelectorExpr:
			if strings.HasPrefix(x.Sel.Name, "Reason") && x.Sel.Name != "Reason" && reasons[x.Sel.Name] == "" {
				t.Errorf("%s: %s is not a reason of errors.go", pos, x.Sel.Name)
			}
		case *ast.Ident:
			if strings.HasPrefix(x.Name, "Reason") && reasons[x.Name] == "" {
				t.Errorf("%s: %s is not a reason of errors.go", pos, x.Name)
			}
		}
	}
	for path, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CompositeLit:
				for _, el := range x.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Reason" {
							check(path, kv.Value)
						}
					}
				}
			case *ast.CallExpr:
				name := ""
				switch fn := x.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				if i, ok := reasonArg[name]; ok && i < len(x.Args) {
					check(path, x.Args[i])
				}
			case *ast.AssignStmt:
				if len(x.Lhs) == len(x.Rhs) {
					for i, l := range x.Lhs {
						if id, ok := l.(*ast.Ident); ok && strings.EqualFold(id.Name, "reason") {
							check(path, x.Rhs[i])
						}
					}
				}
			}
			return true
		})
	}
	if checked < 50 {
		t.Fatalf("checked %d reasons in the server's source; the scan is broken", checked)
	}

	// The README documents every reason, in its Errors section.
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := regexp.MustCompile(`(?s)\n### Errors\n(.*?)\n### `).FindSubmatch(readme)
	if section == nil {
		t.Fatal("README.md has no section ### Errors")
	}
	for name, v := range reasons {
		if !strings.Contains(string(section[1]), "`"+v+"`") {
			t.Errorf("the README's Errors section does not document %s (`%s`)", v, name)
		}
	}
}
