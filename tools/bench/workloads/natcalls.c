// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * natcalls VARIANT [N]: calls one tiny traced function N times (default
 * 1,000,000) and reports "calls N". The functions are written in assembly so
 * their first instructions are fixed whatever the compiler:
 *   nc_push     push %rbp first: the kernel emulates it (cheap uprobe)
 *   nc_cetpush  endbr64 then push: memtrace should probe the push
 *   nc_step     endbr64 then lea, no push anywhere: single-stepped
 * Ns added per traced call = (traced - untraced elapsed) / N.
 */
#include "bench.h"

long nc_push(long x);
long nc_cetpush(long x);
long nc_step(long x);

__asm__(".text\n"
	".globl nc_push\n.type nc_push,@function\n.p2align 4\n"
	"nc_push:\n\tpush %rbp\n\tmov %rsp,%rbp\n\tlea 1(%rdi),%rax\n\tpop %rbp\n\tret\n"
	".size nc_push,.-nc_push\n"
	".globl nc_cetpush\n.type nc_cetpush,@function\n.p2align 4\n"
	"nc_cetpush:\n\tendbr64\n\tpush %rbp\n\tmov %rsp,%rbp\n\tlea 1(%rdi),%rax\n\tpop %rbp\n\tret\n"
	".size nc_cetpush,.-nc_cetpush\n"
	".globl nc_step\n.type nc_step,@function\n.p2align 4\n"
	"nc_step:\n\tendbr64\n\tlea 1(%rdi),%rax\n\tret\n"
	".size nc_step,.-nc_step\n");

int main(int argc, char **argv)
{
	long (*volatile fn)(long);
	long n = b_arg(argc, argv, 2, 1000000), acc = 0;

	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "push"))
		fn = nc_push;
	else if (!strcmp(argv[1], "cetpush"))
		fn = nc_cetpush;
	else if (!strcmp(argv[1], "step"))
		fn = nc_step;
	else
		goto usage;
	b_begin();
	long (*f)(long) = fn;
	for (long i = 0; i < n; i++)
		acc = f(acc);
	b_end();
	b_say("calls %ld", acc);
	return 0;
usage:
	fprintf(stderr, "usage: natcalls push|cetpush|step [N]\n");
	return 2;
}
