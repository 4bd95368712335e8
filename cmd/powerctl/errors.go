package main

import (
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/powerreg/powerreg/client"
)

// nextStep says, per error reason, what to do next.
var nextStep = map[string]string{
	"DEPARTMENT_NOT_FOUND":     "用 powerctl departments list 查看部门，或用 powerctl departments create 创建 / see powerctl departments list, or create it with powerctl departments create",
	"DEPARTMENT_EXISTS":        "用 powerctl departments list 查看已有部门 / see powerctl departments list",
	"ITEM_NOT_FOUND":           "用 powerctl items list 查看部门的事项，或用 powerctl review show 查看批次中的事项 / see the department's items with powerctl items list, or a batch's with powerctl review show",
	"ITEM_NOT_DELETABLE":       "发布过的事项用 powerctl items abolish ITEM --comment 理由 废止；已报送的事项可先撤回批次（powerctl submissions withdraw） / abolish a published item with powerctl items abolish ITEM --comment REASON; free an item of a submitted batch by withdrawing the batch (powerctl submissions withdraw)",
	"ITEM_NOT_PUBLISHED":       "未发布的草稿用 powerctl items delete ITEM 直接删除 / delete an unpublished draft with powerctl items delete ITEM",
	"SUBMISSION_NOT_FOUND":     "用 powerctl review list --state all 查看批次 / see powerctl review list --state all",
	"CATALOG_ITEM_NOT_FOUND":   "用 powerctl catalog list 查看已发布的编码 / see the published codes with powerctl catalog list",
	"PUBLICATION_NOT_FOUND":    "请检查发布名称，如 publications/1 / check the name, e.g. publications/1",
	"SUBMISSION_NOT_SUBMITTED": "用 powerctl review list 查看待审核的批次 / see the batches waiting for review with powerctl review list",
	"SUBMISSION_NOT_APPROVED":  "先审核通过：powerctl review approve NAME；或查看 powerctl review list --state approved / approve it first (powerctl review approve NAME), or see powerctl review list --state approved",
	"SUBMISSION_NOT_DRAFT":     "用 powerctl review list --state all 查看批次状态 / see the batch's state with powerctl review list --state all",
	"LEGAL_BASIS_MISSING":      "补充设定依据（导入表的“设定依据”列）后重新导入或编辑，再报送 / add the legal bases (column 设定依据) and import or edit again, then submit",
	"ETAG_MISMATCH":            "已被他人修改，请重新执行 / changed meanwhile; run the command again",
	"CODE_IN_USE":              "编码须唯一：用 powerctl catalog get CODE 查看占用者 / codes are unique: see the holder with powerctl catalog get CODE",
	"TOKEN_NOT_FOUND":          "用 powerctl tokens list 查看令牌 / see the tokens with powerctl tokens list",
	"TOKEN_EXISTS":             "令牌名不能重复（已吊销的也算），请换一个名字；powerctl tokens list 列出已有的 / token names are never reused, revoked ones included; choose another (see powerctl tokens list)",
	"FOUR_EYES":                "四眼原则：请由未报送、未编辑该批次的另一人，用未参与该批次的管理员为其创建的令牌执行 / four eyes: someone else, who neither submitted nor edited the batch, must do it with a token that an admin not involved in the batch created for them",
	"PERMISSION_DENIED":        "请向管理员申请具有所需角色（或部门）的令牌，用 --token 或 POWERREG_TOKEN 传入 / ask an administrator for a token with the needed role (or department) and pass it with --token or POWERREG_TOKEN",
}

// describe renders an error for a person: client.Describe, then what to do
// next when the reason is known.
func (a *app) describe(err error) string {
	s := safe(client.Describe(err))
	reason := client.Reason(err)
	switch reason {
	case "UNAUTHENTICATED":
		if a.token == "" {
			return s + "\n未提供令牌：请用 --token 或环境变量 POWERREG_TOKEN 提供令牌；令牌由管理员用 powerctl tokens create 创建 / " +
				"no token given: use --token or POWERREG_TOKEN; an administrator creates tokens with powerctl tokens create"
		}
		return s + "\n请检查 --token 或 POWERREG_TOKEN 的令牌，或向管理员申请新令牌 / check the token of --token or POWERREG_TOKEN, or ask an administrator for a new one"
	case "TOKEN_UNKNOWN", "TOKEN_EXPIRED", "TOKEN_REVOKED":
		// The server says what is wrong with the token; this says which
		// token powerctl sent.
		return s + "\n" + a.tokenSource()
	case "TOKEN_BEARER_PREFIX":
		return s + "\n" + a.tokenSource() + "\n例如 / e.g.: export POWERREG_TOKEN=$(cat my.token)   # 文件里只有 prt_… / the file holds prt_… alone"
	}
	if hint, ok := nextStep[reason]; ok {
		s += "\n" + hint
	}
	return s
}

// tokenSource says where the token powerctl sent came from: --token, or
// the environment variable POWERREG_TOKEN.
func (a *app) tokenSource() string {
	if a.tokenFlag {
		return "powerctl 发送的是 --token 给出的令牌 / powerctl sent the token of --token"
	}
	return "powerctl 发送的是环境变量 POWERREG_TOKEN 中的令牌 / powerctl sent the token of the environment variable POWERREG_TOKEN"
}

// permissionDenied is a refusal that powerctl finds before the server
// does (the call that would be refused is not made): shown, and exits,
// like the server's.
func permissionDenied(zh, en string) error {
	st, err := status.New(codes.PermissionDenied, zh+" / "+en).WithDetails(&errdetails.ErrorInfo{Reason: "PERMISSION_DENIED", Domain: "powerreg.gov.cn"})
	if err != nil {
		return status.Error(codes.PermissionDenied, zh+" / "+en)
	}
	return st.Err()
}

// requirement rewrites the refusal of a call that a command makes before
// its own step (the listing of publish --all-approved, of submit) into what
// the command needs: otherwise the user reads the listing's requirement,
// which is not the one to ask an administrator for. Other errors pass.
func requirement(err error, zh, en string) error {
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.PermissionDenied || client.Reason(err) != "PERMISSION_DENIED" {
		return err // FOUR_EYES is about the batch, not the token's roles
	}
	p := st.Proto()
	p.Message = zh + " / " + en
	return status.ErrorProto(p)
}
