package main

// powerregd's options, in one place: each is a flag, an environment
// variable named after it (POWERREGD_ and the flag's name in capitals,
// dashes as underscores) and a key of the optional config file (--config),
// which is TOML with the flags' names as keys. A flag beats its variable,
// which beats the file, which beats the default.
//
// TOML rather than YAML: the file is a flat list of settings, TOML has no
// implicit typing (YAML 1.1 reads `no` as false and 0700 as an octal
// number), and BurntSushi/toml reports the keys it did not use, so unknown
// keys are refused.

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/powerreg/powerreg/server"
	"github.com/powerreg/powerreg/server/auth"
)

// options are powerregd's command line.
type options struct {
	server    server.Config
	jwt       auth.JWTConfig // SSO tokens, when JWKSFile is set
	demo      bool
	config    string // the config file, if any
	logFormat string
	logLevel  slog.Level
}

// envPrefix starts the environment variable of every option.
const envPrefix = "POWERREGD_"

// envName is the environment variable of a flag.
func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// defineFlags declares every option on fs.
func defineFlags(fs *flag.FlagSet, o *options) {
	fs.StringVar(&o.config, "config", "", "TOML file of options, keys named as the flags (data-dir = \"/var/lib/powerreg\") / 配置文件（TOML，键名同参数名）")
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

	fs.Var(publisherEdits{&o.server.PublisherMayEdit}, "four-eyes-publisher-edits",
		"`refuse|allow`: whether a publisher may publish a batch with items they edited since their last publication (four eyes) / 发布人编辑过批次中的事项时拒绝（refuse）或允许（allow）其发布")
	fs.StringVar(&o.logFormat, "log-format", "text", "log format: text or json / 日志格式：text 或 json")
	fs.TextVar(&o.logLevel, "log-level", slog.LevelInfo, "least level logged: debug, info, warn or error (debug adds the cached catalogue answers) / 日志级别")

	l := &o.server.Limits
	*l = server.DefaultLimits()
	fs.Int64Var(&l.MaxRequestBytes, "max-request-bytes", l.MaxRequestBytes, "largest REST body and gRPC message, in bytes (REST: 413 above it) / 单个请求的最大字节数")
	fs.IntVar(&l.MaxPageSize, "max-page-size", l.MaxPageSize, "largest page of every list, below the API's own (1000; the catalogue's 500); 0: those / 每页最多条数（不超过接口上限 1000，清单 500），0 为接口上限")
	fs.Float64Var(&l.Principal.Rate, "rate-limit", l.Principal.Rate, "calls per second allowed to each principal (token or SSO user) on average; 0: no limit / 每个用户每秒的请求上限，0 为不限")
	fs.IntVar(&l.Principal.Burst, "rate-burst", l.Principal.Burst, "calls a principal may make at once above --rate-limit / 每个用户可连续发出的请求数")
	fs.Float64Var(&l.Anonymous.Rate, "anonymous-rate-limit", l.Anonymous.Rate, "calls per second allowed to each anonymous client address (cached catalogue pages are not counted); 0: no limit / 每个未登录来源地址每秒的请求上限，0 为不限")
	fs.IntVar(&l.Anonymous.Burst, "anonymous-rate-burst", l.Anonymous.Burst, "calls an anonymous address may make at once / 每个未登录来源地址可连续发出的请求数")
	fs.Func("trusted-proxy", "address or CIDR of a reverse proxy whose X-Forwarded-For is believed (repeatable, or comma-separated) / 可信反向代理的地址或网段（可重复或以逗号分隔）",
		func(v string) error {
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s == "" {
					continue
				}
				p, err := netip.ParsePrefix(s)
				if err != nil {
					a, aerr := netip.ParseAddr(s)
					if aerr != nil {
						return fmt.Errorf("%q is neither an address nor a CIDR such as 10.0.0.0/8 / 不是地址或网段", s)
					}
					p = netip.PrefixFrom(a, a.BitLen())
				}
				l.TrustedProxies = append(l.TrustedProxies, p.Masked())
			}
			return nil
		})
	fs.DurationVar(&l.ReadHeaderTimeout, "read-header-timeout", l.ReadHeaderTimeout, "time allowed to send a request's headers (slow clients are cut) / 读取请求头的时限")
	fs.DurationVar(&l.ReadTimeout, "read-timeout", l.ReadTimeout, "time allowed to send a whole request, body included (not for GET /v1/catalog/changes:watch and GET /v1/backup without a body), and the longest pause in a gRPC import stream / 读取整个请求的时限，也是 gRPC 导入流两次发送之间的最长间隔")
	fs.DurationVar(&l.WriteTimeout, "write-timeout", l.WriteTimeout, "time allowed to answer a request (the streaming watch and backup: per write) / 发送应答的时限")
	fs.DurationVar(&l.IdleTimeout, "idle-timeout", l.IdleTimeout, "how long an idle HTTP keep-alive connection stays open / 空闲 HTTP 连接的保留时间")
	fs.DurationVar(&l.GRPCConnectionTimeout, "grpc-connection-timeout", l.GRPCConnectionTimeout, "time allowed for a gRPC connection's handshake / gRPC 建立连接的时限")
	fs.DurationVar(&l.GRPCKeepalive, "grpc-keepalive", l.GRPCKeepalive, "silence after which the server pings a gRPC connection (and closes it 20 s later without an answer) / gRPC 连接静默多久后探测")

	fs.Int64Var(&l.MaxImportBytes, "max-import-bytes", l.MaxImportBytes, "largest import, in bytes of its rows as sent (an import is held in memory until its last row) / 单次导入的最大字节数")
	fs.IntVar(&l.MaxConcurrentImports, "max-concurrent-imports", l.MaxConcurrentImports, "imports running at once; one more waits up to --import-wait, then is refused with TOO_MANY_IMPORTS / 同时进行的导入数上限，超出的导入等待 --import-wait 后被拒绝")
	fs.DurationVar(&l.ImportWait, "import-wait", l.ImportWait, "how long an import waits for one of the --max-concurrent-imports places before it is refused / 导入等待空位的时限")
	fs.IntVar(&l.MaxWatches, "max-watches", l.MaxWatches, "long-lived streams (change feed watches, gRPC health watches, reflection) open at once / 同时打开的订阅流上限")
	fs.IntVar(&l.MaxWatchesPerAddress, "max-watches-per-address", l.MaxWatchesPerAddress, "long-lived streams open at once from one client address / 每个来源地址同时打开的订阅流上限")
	fs.IntVar(&l.WatchBufferBytes, "watch-buffer-bytes", l.WatchBufferBytes, "bytes of changes a watch holds for a client slow to read / 每个订阅流为读取慢的客户端缓存的字节数")
	fs.DurationVar(&l.WatchSendTimeout, "watch-send-timeout", l.WatchSendTimeout, "how long a watch's buffer may stay full before its client is cut off (WATCH_TOO_SLOW; it resumes from its last position) / 缓存满多久后断开读取慢的订阅")
	fs.Func("grpc-max-streams", fmt.Sprintf("`number` of calls open at once on one gRPC connection (default %d) / 每个 gRPC 连接同时进行的调用数上限", l.GRPCMaxStreams), func(v string) error {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n == 0 {
			return fmt.Errorf("give a positive number of streams / 须为正整数")
		}
		l.GRPCMaxStreams = uint32(n)
		return nil
	})
	fs.IntVar(&l.MaxConnectionsPerAddress, "max-connections-per-address", l.MaxConnectionsPerAddress, "connections open at once from one client IP address, on each port (trusted proxies are not counted) / 每个来源 IP 地址在每个端口上同时打开的连接数上限")
}

// publisherEdits is --four-eyes-publisher-edits: refuse (the default) or
// allow.
type publisherEdits struct{ allow *bool }

func (p publisherEdits) String() string {
	if p.allow != nil && *p.allow {
		return "allow"
	}
	return "refuse"
}

func (p publisherEdits) Set(v string) error {
	switch v {
	case "refuse", "allow":
		*p.allow = v == "allow"
		return nil
	}
	return fmt.Errorf("%q: give refuse or allow / 须为 refuse 或 allow", v)
}

// parseFlags reads the options from the command line, the environment
// (getenv, os.LookupEnv in main) and the config file.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) (string, bool)) (*options, error) {
	o := &options{}
	defineFlags(fs, o)
	fs.Usage = func() { usage(fs) }
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q / 多余的参数", fs.Args())
	}
	if err := fillUnset(fs, getenv); err != nil {
		return nil, err
	}
	for name, rate := range map[string]float64{"rate-limit": o.server.Limits.Principal.Rate, "anonymous-rate-limit": o.server.Limits.Anonymous.Rate} {
		if math.IsNaN(rate) { // ParseFloat reads NaN, which no comparison with a limit would catch
			return nil, fmt.Errorf("--%s NaN: give calls per second, 0 for no limit / 须为每秒请求数，0 为不限", name)
		}
	}
	l := &o.server.Limits
	for name, n := range map[string]int64{"max-import-bytes": l.MaxImportBytes, "max-concurrent-imports": int64(l.MaxConcurrentImports),
		"max-watches": int64(l.MaxWatches), "max-watches-per-address": int64(l.MaxWatchesPerAddress),
		"watch-buffer-bytes": int64(l.WatchBufferBytes), "watch-send-timeout": int64(l.WatchSendTimeout), "import-wait": int64(l.ImportWait),
		"max-connections-per-address": int64(l.MaxConnectionsPerAddress)} {
		if n <= 0 { // 0 would silently mean the default, not "no limit"
			return nil, fmt.Errorf("--%s: give a positive value / 须为正数", name)
		}
	}
	if n := o.server.Limits.MaxPageSize; n < 0 {
		return nil, fmt.Errorf("--max-page-size %d: give a positive number of items, or 0 for the API's maxima / 须为正整数，0 为接口上限", n)
	}
	if o.logFormat != "text" && o.logFormat != "json" {
		return nil, fmt.Errorf("--log-format %q: give text or json / 日志格式须为 text 或 json", o.logFormat)
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

// fillUnset gives the options not on the command line their value from
// the environment, else from the config file.
func fillUnset(fs *flag.FlagSet, getenv func(string) (string, bool)) error {
	onCommandLine := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { onCommandLine[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if onCommandLine[f.Name] {
			return
		}
		if v, ok := getenv(envName(f.Name)); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %v / 环境变量 %s 的值有误", envName(f.Name), v, err, envName(f.Name)))
			}
		}
	})
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	path := fs.Lookup("config").Value.String()
	if path == "" {
		return nil
	}
	file, err := readConfig(path, fs)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true }) // command line and environment
	for _, s := range file {
		if set[s.key] {
			continue
		}
		for _, v := range s.values {
			if err := fs.Set(s.key, v); err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: %s = %q: %v / 配置文件第 %d 行 %s 的值有误", path, s.line, s.key, v, err, s.line, s.key))
			}
		}
	}
	return errors.Join(errs...)
}

// setting is one key of the config file, its values as flag strings.
type setting struct {
	key    string
	line   int
	values []string
}

// readConfig reads a TOML config file whose keys are the flags of fs
// (except config itself), refusing any other key with its line.
func readConfig(path string, fs *flag.FlagSet) ([]setting, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file / 配置文件: %w", err)
	}
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return nil, fmt.Errorf("config file %s: %w / 配置文件格式有误", path, err)
	}
	var out []setting
	var errs []error
	for key, v := range raw {
		line := keyLine(data, key)
		if fs.Lookup(key) == nil || key == "config" {
			errs = append(errs, fmt.Errorf("%s:%d: unknown key %q; the keys are the flags of powerregd --help, without the dashes / 配置文件第 %d 行：未知的键 %q",
				path, line, key, line, key))
			continue
		}
		values, err := flagStrings(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %s: %v", path, line, key, err))
			continue
		}
		out = append(out, setting{key: key, line: line, values: values})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// flagStrings spells a TOML value as flag values: a list sets a repeatable
// flag once per element.
func flagStrings(v any) ([]string, error) {
	switch v := v.(type) {
	case string:
		return []string{v}, nil
	case bool:
		return []string{strconv.FormatBool(v)}, nil
	case int64:
		return []string{strconv.FormatInt(v, 10)}, nil
	case float64:
		return []string{strconv.FormatFloat(v, 'g', -1, 64)}, nil
	case []any:
		var out []string
		for _, e := range v {
			s, err := flagStrings(e)
			if err != nil {
				return nil, err
			}
			out = append(out, s...)
		}
		return out, nil
	}
	return nil, fmt.Errorf("a %T is not an option's value; give a string, number, boolean or list / 值的类型不对", v)
}

// keyLine finds the line of the file that sets key (0 when not found):
// the TOML decoder keeps key positions to itself.
func keyLine(data []byte, key string) int {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		k, _, ok := strings.Cut(line, "=")
		if strings.HasPrefix(line, "[") { // a table, [server] or [[server]], sets its first part
			k, _, _ = strings.Cut(strings.TrimLeft(line, "["), "]")
			ok = true
		}
		first, _, _ := strings.Cut(k, ".") // a dotted key, a.b = 1, sets a
		for _, s := range []string{k, first} {
			if ok && strings.Trim(strings.TrimSpace(s), `"'`) == key {
				return n
			}
		}
	}
	return 0
}

// usage prints every option with its default and environment variable.
func usage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprintf(w, "powerregd: the administrative power registry server / 行政权力清单服务\n\n"+
		"Usage: powerregd [flags]\nExample: powerregd --data-dir /var/lib/powerreg --demo\n"+
		"         powerregd --http-addr 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem --jwks sso-keys.json --jwt-issuer https://sso.example.gov.cn --jwt-audience powerreg\n\n"+
		"Each flag can also be set by its environment variable, or in the --config file (TOML, keys named as\n"+
		"the flags); a flag beats its variable, which beats the file, which beats the default.\n"+
		"每个参数也可用环境变量或配置文件设置；优先级：命令行 > 环境变量 > 配置文件 > 默认值。\n\nFlags:\n")
	fs.VisitAll(func(f *flag.Flag) {
		name, text := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s %s\n      %s\n      env %s", f.Name, name, text, envName(f.Name))
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			fmt.Fprintf(w, "; default %s", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// logger is the process's logger, as --log-format and --log-level say.
func (o *options) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: o.logLevel}
	if o.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
