package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/powerreg/powerreg/server"
	"github.com/powerreg/powerreg/server/auth"
)

// options are powerregd's command line.
type options struct {
	server server.Config
	jwt    auth.JWTConfig // SSO tokens, when JWKSFile is set
	demo   bool
}

// parseFlags reads the command line into options.
func parseFlags(fs *flag.FlagSet, args []string) (*options, error) {
	o := &options{}
	fs.StringVar(&o.server.DataDir, "data-dir", "data", "directory of the embedded store (created if missing) / 数据目录")
	fs.StringVar(&o.server.GRPCAddr, "grpc-addr", "127.0.0.1:9090", "gRPC listen address / gRPC 监听地址")
	fs.StringVar(&o.server.HTTPAddr, "http-addr", "127.0.0.1:8080", "REST and OpenAPI listen address / REST 监听地址")
	fs.StringVar(&o.server.Region, "region", "430400", "default GB/T 2260 region code of assigned item codes / 默认区划代码")
	fs.BoolVar(&o.demo, "demo", false, "load a sample catalogue into an empty store / 空库时载入示例清单")

	fs.StringVar(&o.server.TLSCert, "tls-cert", "", "PEM certificate (chain) file: serve both ports over TLS / TLS 证书文件（PEM），设置后两个端口均启用 TLS")
	fs.StringVar(&o.server.TLSKey, "tls-key", "", "PEM private key file of --tls-cert / TLS 私钥文件（PEM）")

	fs.Func("cors-origin", "origin allowed to call the REST API from a browser, e.g. https://portal.example.gov.cn, or * (repeatable, or comma-separated) / 允许跨域调用 REST 接口的来源（可重复或以逗号分隔）",
		func(v string) error {
			for _, origin := range strings.Split(v, ",") {
				if origin = strings.TrimSpace(origin); origin != "" {
					o.server.CORSOrigins = append(o.server.CORSOrigins, origin)
				}
			}
			_, _, err := server.ParseCORSOrigins(o.server.CORSOrigins)
			return err
		})

	fs.StringVar(&o.jwt.JWKSFile, "jwks", "", "JWKS file of the single sign-on's public keys: accept its JWTs / 单点登录公钥文件（JWKS），设置后接受单点登录令牌")
	fs.StringVar(&o.jwt.Issuer, "jwt-issuer", "", "required iss of SSO tokens / 单点登录令牌须有的签发方（iss）")
	fs.StringVar(&o.jwt.Audience, "jwt-audience", "", "required aud of SSO tokens / 单点登录令牌须有的受众（aud）")
	fs.StringVar(&o.jwt.NameClaim, "jwt-name-claim", "sub", "claim naming the user / 用户名所在的声明")
	fs.StringVar(&o.jwt.RolesClaim, "jwt-roles-claim", "roles", "claim listing registry roles (editor, reviewer, publisher, admin) / 角色所在的声明")
	fs.StringVar(&o.jwt.DepartmentsClaim, "jwt-departments-claim", "departments", "claim listing an editor's department ids / 编辑所属部门所在的声明")

	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "powerregd: the administrative power registry server / 行政权力清单服务\n\n"+
			"Usage: powerregd [flags]\n       powerregd restore|check|recover-admin --data-dir DIR …   (offline; each has --help)\nExample: powerregd --data-dir /var/lib/powerreg --demo\n"+
			"         powerregd --http-addr 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem --jwks sso-keys.json --jwt-issuer https://sso.example.gov.cn --jwt-audience powerreg\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q / 多余的参数", fs.Args())
	}
	if o.jwt.JWKSFile == "" {
		var stray []string
		fs.Visit(func(f *flag.Flag) {
			if strings.HasPrefix(f.Name, "jwt-") {
				stray = append(stray, "--"+f.Name)
			}
		})
		if len(stray) > 0 {
			return nil, errors.New(strings.Join(stray, ", ") + ": only used with --jwks / 须同时指定 --jwks")
		}
	}
	return o, nil
}
