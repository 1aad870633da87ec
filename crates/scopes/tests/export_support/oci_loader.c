/* A minimal OCI seccomp consumer for the export tests: reads a profile (runtime-spec JSON)
 * and builds the filter with libseccomp exactly as runc does:
 *   - an entry whose action equals the default action is skipped;
 *   - a name libseccomp cannot resolve is skipped (and reported on stderr as "unknown NAME");
 *   - conditions on distinct arguments are AND-ed in one rule; if an argument index repeats,
 *     each condition becomes a rule of its own (OR).
 * Then either exports the BPF program or loads it and makes one system call.
 *
 *   oci_loader PROFILE export FILE        write the BPF program (struct sock_filter array)
 *   oci_loader PROFILE run NR A0..A5      load, call syscall(NR, A0..A5), _exit(0 or errno);
 *                                         an argument "self" is the loader's own pid
 *
 * Exit codes: 0 or the call's errno in run mode; 200 and above for loader failures. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

static void die(int code, const char *what, const char *detail) {
	fprintf(stderr, "oci_loader: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(code);
}

static uint32_t action(const char *name, json_object *errno_ret) {
	uint32_t e = errno_ret ? (uint32_t)json_object_get_int64(errno_ret) : EPERM;
	if (!strcmp(name, "SCMP_ACT_KILL") || !strcmp(name, "SCMP_ACT_KILL_THREAD")) return SCMP_ACT_KILL_THREAD;
	if (!strcmp(name, "SCMP_ACT_KILL_PROCESS")) return SCMP_ACT_KILL_PROCESS;
	if (!strcmp(name, "SCMP_ACT_TRAP")) return SCMP_ACT_TRAP;
	if (!strcmp(name, "SCMP_ACT_ERRNO")) return SCMP_ACT_ERRNO(e);
	if (!strcmp(name, "SCMP_ACT_ALLOW")) return SCMP_ACT_ALLOW;
	if (!strcmp(name, "SCMP_ACT_LOG")) return SCMP_ACT_LOG;
	die(201, "unsupported action", name);
	return 0;
}

static enum scmp_compare op(const char *name) {
	static const struct { const char *n; enum scmp_compare op; } ops[] = {
		{"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
		{"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
		{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
	};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (!strcmp(name, ops[i].n)) return ops[i].op;
	die(202, "unknown operator", name);
	return 0;
}

static json_object *field(json_object *o, const char *key) {
	json_object *v = NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static uint64_t u64(json_object *o) {
	/* json-c keeps integers above INT64_MAX as uint64. */
	return o ? json_object_get_uint64(o) : 0;
}

static scmp_filter_ctx build(const char *path) {
	json_object *root = json_object_from_file(path);
	if (!root) die(203, "cannot parse", path);
	json_object *def = field(root, "defaultAction");
	if (!def) die(204, "no defaultAction", NULL);
	uint32_t default_action = action(json_object_get_string(def), field(root, "defaultErrnoRet"));
	scmp_filter_ctx ctx = seccomp_init(default_action);
	if (!ctx) die(205, "seccomp_init failed", NULL);

	json_object *arches = field(root, "architectures");
	for (size_t i = 0; arches && i < json_object_array_length(arches); i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(arches, i));
		char lower[64] = {0};
		const char *tail = strncmp(name, "SCMP_ARCH_", 10) ? name : name + 10;
		for (size_t j = 0; tail[j] && j + 1 < sizeof lower; j++) lower[j] = (char)tolower((unsigned char)tail[j]);
		uint32_t arch = seccomp_arch_resolve_name(lower);
		if (!arch) die(206, "unknown architecture", name);
		int r = seccomp_arch_add(ctx, arch);
		if (r < 0 && r != -EEXIST) die(207, "seccomp_arch_add failed", name);
	}

	json_object *calls = field(root, "syscalls");
	for (size_t i = 0; calls && i < json_object_array_length(calls); i++) {
		json_object *entry = json_object_array_get_idx(calls, i);
		uint32_t act = action(json_object_get_string(field(entry, "action")), field(entry, "errnoRet"));
		if (act == default_action) continue;
		json_object *args = field(entry, "args");
		size_t n = args ? json_object_array_length(args) : 0;
		if (n > 6) die(208, "more than six conditions", NULL);
		struct scmp_arg_cmp cmp[6];
		int per_index[6] = {0}, repeated = 0;
		for (size_t j = 0; j < n; j++) {
			json_object *a = json_object_array_get_idx(args, j);
			unsigned index = (unsigned)u64(field(a, "index"));
			if (index > 5) die(209, "argument index above 5", NULL);
			cmp[j].arg = index;
			cmp[j].op = op(json_object_get_string(field(a, "op")));
			cmp[j].datum_a = u64(field(a, "value"));
			cmp[j].datum_b = u64(field(a, "valueTwo"));
			if (++per_index[index] > 1) repeated = 1;
		}
		json_object *names = field(entry, "names");
		for (size_t k = 0; names && k < json_object_array_length(names); k++) {
			const char *name = json_object_get_string(json_object_array_get_idx(names, k));
			int nr = seccomp_syscall_resolve_name(name);
			if (nr == __NR_SCMP_ERROR) {
				fprintf(stderr, "unknown %s\n", name);
				continue;
			}
			int r = 0;
			if (!repeated) {
				r = seccomp_rule_add_array(ctx, act, nr, (unsigned)n, cmp);
			} else {
				for (size_t j = 0; j < n && r == 0; j++) r = seccomp_rule_add_array(ctx, act, nr, 1, &cmp[j]);
			}
			if (r < 0) {
				fprintf(stderr, "oci_loader: rule for %s: %s\n", name, strerror(-r));
				exit(210);
			}
		}
	}
	json_object_put(root);
	return ctx;
}

int main(int argc, char **argv) {
	if (argc < 3) die(200, "usage: oci_loader PROFILE export FILE | run NR A0..A5", NULL);
	scmp_filter_ctx ctx = build(argv[1]);
	if (!strcmp(argv[2], "export") && argc == 4) {
		int fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0) die(211, "export failed", argv[3]);
		return 0;
	}
	if (!strcmp(argv[2], "run") && argc == 10) {
		long a[7];
		for (int i = 0; i < 7; i++)
			a[i] = strcmp(argv[3 + i], "self") ? (long)strtoull(argv[3 + i], NULL, 0) : (long)getpid();
		int r = seccomp_load(ctx);
		if (r < 0) die(212, "seccomp_load failed", strerror(-r));
		/* Nothing between the load and the call: the filter sees exactly this one. */
		long ret = syscall(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
		_exit(ret < 0 ? errno : 0);
	}
	die(200, "usage: oci_loader PROFILE export FILE | run NR A0..A5", NULL);
	return 200;
}
