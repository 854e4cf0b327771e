// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * A real client of /dev/iommu: QEMU 10 (Debian 13's) with its iommufd
 * backend, passing edu through to a machine of its own:
 *
 *   qemu-system-x86_64 -M pc -accel tcg -bios /hlt.bin -nodefaults ...
 *     -object iommufd,id=iommufd0
 *     -device vfio-pci,host=<edu>,iommufd=iommufd0,addr=3,x-no-mmap=on
 *     [-device vfio-pci,host=<edu of the same group>,...,addr=4,...]
 *
 * QEMU comes from the x86_64 machine's /qemu10 (testing/scripts/qemu10.sh)
 * and runs there in a chroot; without it the tests skip. The inner machine
 * has no kernel: its CPU halts at the reset vector, and the test drives it
 * through QEMU's qtest protocol on QEMU's stdin and stdout (and QEMU
 * itself through QMP on two FIFOs), as a guest driver would: PCI
 * configuration cycles through ports 0xcf8/0xcfc give edu a BAR and let
 * it master the bus, edu's registers start DMA, and the inner machine's
 * RAM is read and written directly. QEMU runs under strace, which records
 * its ioctls. What is proven:
 *
 *   - the vfio-pci device realizes through our iommufd: QEMU binds edu's
 *     VFIO cdev, attaches it, and maps the inner machine's RAM and ROM
 *     (the debugfs view of QEMU's /dev/iommu file shows the areas, all
 *     RAM pinned, and edu attached);
 *   - edu DMA from and into the inner machine's RAM at several
 *     guest-physical addresses lands exactly there;
 *   - a DMA to a guest-physical address with no RAM behind it is blocked,
 *     and VT-d reports the fault;
 *   - two edu of one IOMMU group share QEMU's one IOAS and its table;
 *   - device_del and device_add of edu at run time (the inner machine's
 *     ACPI eject done by the test), DMA working again after;
 *   - the ioctls QEMU made, under strace from the same root: the iommufd
 *     backend's, every one successful;
 *   - QEMU exits cleanly and its /dev/iommu file is gone with its pins;
 *   - QEMU says nothing on stderr but the lines it is expected to say
 *     (see expected_stderr[]).
 *
 * x86_64 only: the machine QEMU 10 is packed for.
 */
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "iommufd_util.h"
#include "edu.h"

#if defined(__x86_64__)

#define QEMU_ROOT	"/qemu10"
/* Files QEMU and strace write, in QEMU's root and so seen from both. */
#define QEMU_TMP	QEMU_ROOT "/tmp"
#define QEMU_STDERR	"/tmp/qemu10.stderr"	/* outside the root */
#define QEMU_STRACE	"/tmp/qemu.strace"
#define QEMU_QMP	"/tmp/qmp"		/* FIFOs qmp.in, qmp.out */
/* The inner machine: 128 MiB of RAM, edu in slots 3 and 4 of its bus 0. */
#define INNER_RAM	(128ULL << 20)
#define EDU_SLOT(n)	(3 + (n))
#define EDU_BAR(n)	(0xfe000000ULL + (n) * 0x100000ULL)
/* A guest-physical address with no RAM, below edu's 28-bit DMA mask */
#define NO_RAM		0x9000000ULL
#define MAX_EDU		2

/* edu's registers and its buffer, as the device sees it */
#define EDU_ID		0x00
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_CNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_CMD_RUN	1
#define EDU_CMD_TO_RAM	2
#define EDU_DEV_BUF	0x40000

/*
 * What QEMU may print on stderr, and why; anything else fails the test.
 * Each entry is a prefix of the line, after "qemu-system-x86_64: ".
 */
static const char * const expected_stderr[] = {
	/*
	 * edu has no reset method (no FLR, no PM reset, no bus reset QEMU
	 * may use): said at every reset of the inner machine, the one at
	 * start-up included.
	 */
	"vfio: Cannot reset device ",
	/*
	 * At device_del: QEMU tells KVM's VFIO device the group is gone, and
	 * without KVM (the inner machine runs on TCG) there is none.
	 */
	"KVM VFIO device isn't created yet",
};

/* A running QEMU (under strace) and the pipes to its qtest and QMP. */
struct qemu_vm {
	pid_t pid;	/* strace's */
	pid_t qemu;	/* QEMU's, from its pid file */
	FILE *to;	/* QEMU's stdin: qtest commands */
	FILE *from;	/* QEMU's stdout: their replies */
	FILE *qmp_to;
	FILE *qmp_from;
	bool deleted;	/* a DEVICE_DELETED event came */
	char reply[4096];
};

FIXTURE(qemu) {
	struct edu_sys sys[MAX_EDU];
	unsigned int nr;
	struct qemu_vm vm;
};

/* How many edu QEMU is given: one alone in its group, or a group of two */
FIXTURE_VARIANT(qemu) {
	unsigned int nr;
};

FIXTURE_VARIANT_ADD(qemu, one_edu) {
	.nr = 1,
};

/* The two edu behind the PCI bridge: one IOMMU group, one IOAS in QEMU */
FIXTURE_VARIANT_ADD(qemu, two_edu) {
	.nr = 2,
};

/* Mount what QEMU needs of the machine inside its root. */
static int qemu_root_mounts(void)
{
	static const char * const dirs[] = { "dev", "proc", "sys" };
	char path[64], probe[128];
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), QEMU_ROOT "/%s", dirs[i]);
		snprintf(probe, sizeof(probe), "%s/%s", path,
			 i == 0 ? "null" : i == 1 ? "self" : "bus");
		if (!access(probe, F_OK))
			continue;
		snprintf(probe, sizeof(probe), "/%s", dirs[i]);
		if (mount(probe, path, NULL, MS_BIND | MS_REC, NULL))
			return errno;
	}
	return 0;
}

/* -device for edu @n at @bdf */
static void edu_device_arg(char *buf, size_t len, unsigned int n,
			   const char *bdf)
{
	snprintf(buf, len,
		 "vfio-pci,host=%s,iommufd=iommufd0,id=edu%u,addr=%u,x-no-mmap=on",
		 bdf, n, EDU_SLOT(n));
}

/*
 * Start QEMU under strace (its ioctls into QEMU_STRACE) with the @nr edu
 * of @sys; its stdin and stdout ours for qtest, QMP on two FIFOs.
 */
static pid_t qemu_start(struct qemu_vm *vm, const struct edu_sys *sys,
			unsigned int nr)
{
	char dev[MAX_EDU][160];
	const char *argv[64];
	int in[2], out[2], err, qi, qo;
	unsigned int i, n = 0;
	pid_t pid;

	unlink(QEMU_TMP "/qmp.in");
	unlink(QEMU_TMP "/qmp.out");
	if (mkfifo(QEMU_TMP "/qmp.in", 0600) || mkfifo(QEMU_TMP "/qmp.out", 0600))
		return -1;
	/* Read and write, so that neither side's open() waits. */
	qi = open(QEMU_TMP "/qmp.in", O_RDWR | O_CLOEXEC);
	qo = open(QEMU_TMP "/qmp.out", O_RDWR | O_CLOEXEC);
	if (qi < 0 || qo < 0 || pipe(in) || pipe(out))
		return -1;
	err = open(QEMU_STDERR, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (err < 0)
		return -1;

	argv[n++] = "strace";
	argv[n++] = "-f";
	argv[n++] = "-qq";
	argv[n++] = "-e";
	argv[n++] = "trace=ioctl";
	argv[n++] = "-o";
	argv[n++] = QEMU_STRACE;
	argv[n++] = "/usr/bin/qemu-system-x86_64";
	argv[n++] = "-M";
	argv[n++] = "pc";
	argv[n++] = "-accel";
	argv[n++] = "tcg";
	argv[n++] = "-bios";
	argv[n++] = "/hlt.bin";
	argv[n++] = "-nodefaults";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-m";
	argv[n++] = "128M";
	argv[n++] = "-qtest";
	argv[n++] = "stdio";
	argv[n++] = "-qtest-log";
	argv[n++] = "none";
	argv[n++] = "-chardev";
	argv[n++] = "pipe,id=qmp,path=" QEMU_QMP;
	argv[n++] = "-mon";
	argv[n++] = "chardev=qmp,mode=control";
	argv[n++] = "-object";
	argv[n++] = "iommufd,id=iommufd0";
	for (i = 0; i != nr; i++) {
		edu_device_arg(dev[i], sizeof(dev[i]), i, sys[i].bdf);
		argv[n++] = "-device";
		argv[n++] = dev[i];
	}
	argv[n] = NULL;

	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err, 2);
		if (chroot(QEMU_ROOT) || chdir("/"))
			_exit(127);
		execv("/usr/bin/strace", (char **)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err);
	vm->to = fdopen(in[1], "w");
	vm->from = fdopen(out[0], "r");
	vm->qmp_to = fdopen(qi, "w");
	vm->qmp_from = fdopen(qo, "r");
	return pid;
}

/* What QEMU (or strace) printed on stderr so far, for a failure's log. */
static const char *qemu_said(void)
{
	static char text[4096];
	FILE *f = fopen(QEMU_STDERR, "r");
	size_t n = 0;

	if (f) {
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
	}
	text[n] = 0;
	return text;
}

/*
 * One qtest command; its reply, without "OK " and the newline, into
 * vm->reply. The command must succeed.
 */
static const char *__qt(struct __test_metadata *_metadata,
			struct qemu_vm *vm, const char *fmt, ...)
{
	char cmd[256];
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fprintf(vm->to, "%s\n", cmd);
	fflush(vm->to);
	ASSERT_NE(NULL, fgets(vm->reply, sizeof(vm->reply), vm->from))
		TH_LOG("QEMU did not answer \"%s\"; it said:\n%s", cmd,
		       qemu_said());
	len = strlen(vm->reply);
	if (len && vm->reply[len - 1] == '\n')
		vm->reply[len - 1] = 0;
	ASSERT_EQ(0, strncmp(vm->reply, "OK", 2))
		TH_LOG("\"%s\": %s", cmd, vm->reply);
	return vm->reply[2] ? vm->reply + 3 : "";
}

#define qt(...) __qt(_metadata, vm, __VA_ARGS__)
#define qt_num(...) strtoull(qt(__VA_ARGS__), NULL, 0)

/*
 * One QMP command (JSON); its "return" line into vm->reply. Events met on
 * the way are noted. The command must succeed.
 */
static const char *__qmp(struct __test_metadata *_metadata,
			 struct qemu_vm *vm, const char *json)
{
	fprintf(vm->qmp_to, "%s\n", json);
	fflush(vm->qmp_to);
	for (;;) {
		ASSERT_NE(NULL, fgets(vm->reply, sizeof(vm->reply),
				      vm->qmp_from))
			TH_LOG("no QMP answer to %s", json);
		if (strstr(vm->reply, "\"DEVICE_DELETED\""))
			vm->deleted = true;
		if (strstr(vm->reply, "\"return\""))
			return vm->reply;
		ASSERT_EQ(NULL, strstr(vm->reply, "\"error\""))
			TH_LOG("%s: %s", json, vm->reply);
	}
}

#define qmp(json) __qmp(_metadata, vm, json)

/* Wait for QMP's DEVICE_DELETED event. */
static void qmp_wait_deleted(struct __test_metadata *_metadata,
			     struct qemu_vm *vm)
{
	while (!vm->deleted) {
		ASSERT_NE(NULL, fgets(vm->reply, sizeof(vm->reply),
				      vm->qmp_from));
		if (strstr(vm->reply, "\"DEVICE_DELETED\""))
			vm->deleted = true;
	}
	vm->deleted = false;
}

/* PCI configuration of edu @n in the inner machine, through 0xcf8/0xcfc. */
static void cfg_write(struct __test_metadata *_metadata, struct qemu_vm *vm,
		      unsigned int n, unsigned int off, uint32_t val)
{
	qt("outl 0xcf8 0x%x", 0x80000000 | EDU_SLOT(n) << 11 | (off & ~3));
	qt("outl 0xcfc 0x%x", val);
}

/* Give edu @n its BAR, memory decoding and bus mastering, as firmware. */
static void edu_enable(struct __test_metadata *_metadata, struct qemu_vm *vm,
		       unsigned int n)
{
	cfg_write(_metadata, vm, n, 0x10, EDU_BAR(n));
	cfg_write(_metadata, vm, n, 0x04, 0x6);
	ASSERT_EQ(0x010000ed, qt_num("readl 0x%llx", EDU_BAR(n) + EDU_ID));
}

/* edu @n copies @len bytes from @src to @dst (RAM or its buffer). */
static void edu_copy(struct __test_metadata *_metadata, struct qemu_vm *vm,
		     unsigned int n, uint64_t src, uint64_t dst,
		     unsigned int len, bool to_ram)
{
	uint64_t deadline = edu_now_ms() + 10000;
	uint64_t bar = EDU_BAR(n);

	qt("writeq 0x%llx 0x%llx", bar + EDU_DMA_SRC, (unsigned long long)src);
	qt("writeq 0x%llx 0x%llx", bar + EDU_DMA_DST, (unsigned long long)dst);
	qt("writeq 0x%llx %u", bar + EDU_DMA_CNT, len);
	qt("writeq 0x%llx %d", bar + EDU_DMA_CMD,
	   EDU_CMD_RUN | (to_ram ? EDU_CMD_TO_RAM : 0));
	/* edu runs a transfer 100 ms (of the outer machine) later. */
	while (qt_num("readq 0x%llx", bar + EDU_DMA_CMD) & EDU_CMD_RUN) {
		ASSERT_GT(deadline, edu_now_ms());
		edu_sleep_ms(20);
	}
}

/* @len bytes of pattern @seed, as qtest's hex. */
static void pattern_hex(char *hex, unsigned int len, unsigned int seed)
{
	unsigned int i;

	for (i = 0; i != len; i++)
		sprintf(hex + 2 * i, "%02x", (i * 7 + seed) & 0xff);
}

/* edu @n copies a pattern from inner RAM at @from to @to, exactly. */
static void edu_round_trip(struct __test_metadata *_metadata,
			   struct qemu_vm *vm, unsigned int n, uint64_t from,
			   uint64_t to, unsigned int seed)
{
	char hex[2 * 64 + 1];

	pattern_hex(hex, 64, seed);
	qt("write 0x%llx 64 0x%s", (unsigned long long)from, hex);
	qt("memset 0x%llx 64 0", (unsigned long long)to);
	edu_copy(_metadata, vm, n, from, EDU_DEV_BUF, 64, false);
	edu_copy(_metadata, vm, n, EDU_DEV_BUF, to, 64, true);
	ASSERT_STREQ(hex, qt("read 0x%llx 64", (unsigned long long)to) + 2)
		TH_LOG("edu %u: 0x%llx -> 0x%llx", n,
		       (unsigned long long)from, (unsigned long long)to);
}

/*
 * QEMU's pid: the child of strace (@parent). Not from -pidfile, which
 * needs file locks, which the machine's kernel is built without.
 */
static pid_t qemu_pid(pid_t parent)
{
	char path[300], comm[64];
	struct dirent *d;
	int pid, ppid;
	pid_t found = -1;
	DIR *dir = opendir("/proc");
	FILE *f;

	while (dir && found < 0 && (d = readdir(dir))) {
		pid = atoi(d->d_name);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%*d (%63[^)]) %*c %d", comm, &ppid) == 2 &&
		    ppid == parent && !strncmp(comm, "qemu-system", 11))
			found = pid;
		fclose(f);
	}
	if (dir)
		closedir(dir);
	return found;
}

FIXTURE_SETUP(qemu)
{
	struct qemu_vm *vm = &self->vm;
	const char *why;
	unsigned int i;

	vm->pid = -1;
	self->nr = variant->nr;
	if (access(QEMU_ROOT "/usr/bin/qemu-system-x86_64", X_OK))
		SKIP(return, "no QEMU 10 in " QEMU_ROOT);
	why = self->nr == 1 ? edu_locate(&self->sys[0]) :
	      edu_locate_pair(self->sys);
	if (why) {
		ASSERT_FALSE(edu_expected()) TH_LOG("%s", why);
		SKIP(return, "%s", why);
	}
	for (i = 0; i != self->nr; i++)
		if (!self->sys[i].cdev[0])
			SKIP(return, "edu has no VFIO cdev");
	ASSERT_EQ(0, qemu_root_mounts());
	vm->pid = qemu_start(vm, self->sys, self->nr);
	ASSERT_LT(0, vm->pid);
	/* The first answers: QEMU realized edu and listens. */
	qt("endianness");
	ASSERT_NE(NULL, fgets(vm->reply, sizeof(vm->reply), vm->qmp_from));
	ASSERT_NE(NULL, strstr(vm->reply, "\"QMP\""));
	qmp("{\"execute\": \"qmp_capabilities\"}");
	vm->qemu = qemu_pid(vm->pid);
	ASSERT_LT(0, vm->qemu);
	for (i = 0; i != self->nr; i++)
		edu_enable(_metadata, vm, i);
}

/* Every line QEMU wrote to stderr must be expected. */
static void check_stderr(struct __test_metadata *_metadata)
{
	FILE *f = fopen(QEMU_STDERR, "r");
	char line[512];
	unsigned int i;

	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		const char *msg = line;
		bool known = false;

		if (!strncmp(msg, "qemu-system-x86_64: ", 20))
			msg += 20;
		for (i = 0; i != ARRAY_SIZE(expected_stderr); i++)
			known |= !strncmp(msg, expected_stderr[i],
					  strlen(expected_stderr[i]));
		ksft_print_msg("QEMU said%s: %s", known ? "" : " (unexpected)",
			       line);
		EXPECT_TRUE(known);
	}
	fclose(f);
}

/* End QEMU with QMP's quit, and strace with it; its exit status. */
static int qemu_quit(struct __test_metadata *_metadata, struct qemu_vm *vm)
{
	int status;

	fprintf(vm->qmp_to, "{\"execute\": \"quit\"}\n");
	fflush(vm->qmp_to);
	if (waitpid(vm->pid, &status, 0) != vm->pid)
		status = -1;
	vm->pid = -1;
	fclose(vm->to);
	fclose(vm->from);
	fclose(vm->qmp_to);
	fclose(vm->qmp_from);
	return status;
}

FIXTURE_TEARDOWN(qemu)
{
	struct qemu_vm *vm = &self->vm;
	unsigned int i;

	if (vm->pid <= 0)
		return;
	/* A test failed: QEMU goes, and is gone before the next starts. */
	if (vm->qemu > 0)
		kill(vm->qemu, SIGKILL);
	kill(vm->pid, SIGKILL);
	waitpid(vm->pid, NULL, 0);
	for (i = 0; i != 500 && vm->qemu > 0 && !kill(vm->qemu, 0); i++)
		edu_sleep_ms(20);
	fclose(vm->to);
	fclose(vm->from);
	fclose(vm->qmp_to);
	fclose(vm->qmp_from);
}

/* The iommufd-id of QEMU's /dev/iommu file, or -1. */
static int qemu_iommufd_id(pid_t pid)
{
	char path[320], line[128];
	struct dirent *d;
	int id = -1;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while (id < 0 && (d = readdir(dir))) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid,
			 d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "iommufd-id: %d", &id) == 1)
				break;
		fclose(f);
	}
	closedir(dir);
	return id;
}

/* The debugfs view of QEMU's /dev/iommu file into @view (64 KiB). */
static void qemu_view(struct __test_metadata *_metadata, struct qemu_vm *vm,
		      char *view)
{
	int id = qemu_iommufd_id(vm->qemu);

	ASSERT_LE(0, id) TH_LOG("QEMU has no /dev/iommu file open");
	ASSERT_EQ(0, __debugfs_view_id(id, view, 65536));
}

/* How many times @what occurs in @text */
static unsigned int count_of(const char *text, const char *what)
{
	unsigned int n = 0;

	while ((text = strstr(text, what))) {
		n++;
		text += strlen(what);
	}
	return n;
}

/*
 * QEMU's IOAS, seen in the debugfs view of its /dev/iommu file: the inner
 * machine's RAM and ROM mapped (-M pc with 128 MiB: six ranges below 4 GiB
 * and the BIOS at its top), through one table, with every edu attached:
 * the two edu of one group share QEMU's one IOAS and one table.
 */
TEST_F_TIMEOUT(qemu, realized, 240)
{
	char *view = malloc(65536);
	unsigned int i;

	ASSERT_NE(NULL, view);
	qemu_view(_metadata, &self->vm, view);
	ksft_print_msg("QEMU's /dev/iommu file:\n%s", view);
	ASSERT_EQ(1, count_of(view, "\nioas "));
	ASSERT_NE(NULL, strstr(view, ": plain, 0 windows, 6 areas, 1 table\n"));
	ASSERT_NE(NULL, strstr(view, "  area 0x100000-0x7ffffff rw, user 0x"));
	ASSERT_NE(NULL, strstr(view, "  area 0xc0000-0xdffff r-, user 0x"));
	ASSERT_NE(NULL, strstr(view, "context "));
	ASSERT_NE(NULL, strstr(view, ": pinned 131"));
	for (i = 0; i != self->nr; i++)
		ASSERT_NE(NULL, strstr(view, self->sys[i].bdf));
	free(view);
}

/*
 * Each edu copies data from the inner machine's RAM into its buffer and
 * back to other places of that RAM, several guest-physical addresses
 * apart.
 */
TEST_F_TIMEOUT(qemu, dma, 240)
{
	static const uint64_t gpa[] = {
		0x100000, 0x4000000, INNER_RAM - 0x1000, 0x8000,
	};
	struct qemu_vm *vm = &self->vm;
	unsigned int i, n;

	for (n = 0; n != self->nr; n++)
		for (i = 0; i + 1 < ARRAY_SIZE(gpa); i++)
			edu_round_trip(_metadata, vm, n, gpa[i], gpa[i + 1],
				       i + 1 + 16 * n);
}

/*
 * A DMA to guest-physical memory the inner machine does not have: not
 * mapped in QEMU's IOAS, so VT-d refuses it and reports the fault, and
 * nothing of the inner machine's RAM changes.
 */
TEST_F_TIMEOUT(qemu, dma_blocked, 240)
{
	struct qemu_vm *vm = &self->vm;
	char hex[2 * 16 + 1], line[512];
	int kmsg = edu_kmsg_open();

	ASSERT_LE(0, kmsg);
	pattern_hex(hex, 16, 9);
	qt("write 0x100000 16 0x%s", hex);
	edu_copy(_metadata, vm, 0, 0x100000, EDU_DEV_BUF, 16, false);
	edu_copy(_metadata, vm, 0, EDU_DEV_BUF, NO_RAM, 16, true);
	/*
	 * Behind the conventional PCI bridge the two edu reach VT-d with
	 * the bridge's requester ID, which the fault then names: the log
	 * is checked for the edu alone on the root bus.
	 */
	if (self->nr == 1) {
		ASSERT_TRUE(edu_kmsg_find_fault(kmsg, self->sys[0].bdf, NO_RAM,
						line, sizeof(line)))
			TH_LOG("no fault logged for 0x%llx", NO_RAM);
		ksft_print_msg("%s\n", line);
	}
	close(kmsg);
	ASSERT_STREQ(hex, qt("read 0x100000 16") + 2);
}

/*
 * edu unplugged and plugged back at run time (QMP's device_del, the
 * inner machine's ACPI eject done by the test, device_add): with one edu
 * QEMU takes its IOAS down and closes /dev/iommu, then starts again with
 * a new file; with two, the other edu keeps the IOAS and its table, and
 * the returning edu joins them. DMA works again either way.
 */
TEST_F_TIMEOUT(qemu, unplug_replug, 240)
{
	struct qemu_vm *vm = &self->vm;
	int id = qemu_iommufd_id(vm->qemu);
	char *view = malloc(65536), cmd[512], dev[160];

	ASSERT_NE(NULL, view);
	ASSERT_LE(0, id);
	qmp("{\"execute\": \"device_del\", \"arguments\": {\"id\": \"edu0\"}}");
	/* -M pc: bit N of port 0xae08 ejects slot N. */
	qt("outl 0xae08 0x%x", 1 << EDU_SLOT(0));
	qmp_wait_deleted(_metadata, vm);
	if (self->nr == 1) {
		ASSERT_EQ(-1, qemu_iommufd_id(vm->qemu));
	} else {
		qemu_view(_metadata, vm, view);
		ASSERT_EQ(NULL, strstr(view, self->sys[0].bdf));
		ASSERT_NE(NULL, strstr(view, self->sys[1].bdf));
		edu_round_trip(_metadata, vm, 1, 0x100000, 0x200000, 3);
	}

	edu_device_arg(dev, sizeof(dev), 0, self->sys[0].bdf);
	snprintf(cmd, sizeof(cmd),
		 "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"vfio-pci\", \"host\": \"%s\", \"iommufd\": \"iommufd0\", \"id\": \"edu0\", \"addr\": \"%u\", \"x-no-mmap\": true}}",
		 self->sys[0].bdf, EDU_SLOT(0));
	qmp(cmd);
	qemu_view(_metadata, vm, view);
	ASSERT_EQ(1, count_of(view, "\nioas "));
	ASSERT_NE(NULL, strstr(view, self->sys[0].bdf));
	/* One edu: a new /dev/iommu file; two: the same one all along. */
	ASSERT_EQ(self->nr == 1, id != qemu_iommufd_id(vm->qemu));
	edu_enable(_metadata, vm, 0);
	edu_round_trip(_metadata, vm, 0, 0x300000, 0x400000, 5);
	free(view);
}

/*
 * The ioctls QEMU made, as strace saw them: the iommufd backend's path,
 * every call of it successful (but the probe of IOMMU_IOAS_IOVA_RANGES
 * for the number of ranges, EMSGSIZE as documented), and no VFIO
 * container or type1 call.
 */
TEST_F_TIMEOUT(qemu, ioctls, 240)
{
	static const char * const path[] = {
		"VFIO_DEVICE_BIND_IOMMUFD", "IOMMU_GET_HW_INFO",
		"IOMMU_IOAS_ALLOC", "IOMMU_HWPT_ALLOC",
		"VFIO_DEVICE_ATTACH_IOMMUFD_PT", "IOMMU_IOAS_IOVA_RANGES",
		"IOMMU_IOAS_MAP",
	};
	struct qemu_vm *vm = &self->vm;
	char line[1024];
	unsigned int i = 0, maps = 0;
	FILE *f;

	ASSERT_EQ(0, qemu_quit(_metadata, vm));
	f = fopen(QEMU_TMP "/qemu.strace", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		/*
		 * "PID ioctl(FD, NAME[ or NAME...], ARG) = RESULT": strace
		 * names every ioctl of a number; the first is the one meant.
		 */
		const char *name = strstr(line, "ioctl(");

		name = name ? strstr(name, ", ") : NULL;
		if (!name)
			continue;
		name += 2;
		ASSERT_NE(0, strncmp(name, "VFIO_IOMMU_", 11)) TH_LOG("%s", line);
		if (strncmp(name, "IOMMU_", 6) &&
		    strncmp(name, "VFIO_DEVICE_BIND_IOMMUFD", 24) &&
		    strncmp(name, "VFIO_DEVICE_ATTACH_IOMMUFD", 26) &&
		    strncmp(name, "VFIO_DEVICE_DETACH_IOMMUFD", 26))
			continue;
		/* QEMU asks how many ranges with room for none first. */
		if (!strstr(line, "IOMMU_IOAS_IOVA_RANGES") ||
		    !strstr(line, "EMSGSIZE"))
			ASSERT_EQ(NULL, strstr(line, "= -1")) TH_LOG("%s", line);
		if (i != ARRAY_SIZE(path) && strstr(line, path[i]))
			i++;
		maps += !!strstr(line, "IOMMU_IOAS_MAP,");
	}
	fclose(f);
	ASSERT_EQ(ARRAY_SIZE(path), i)
		TH_LOG("QEMU never made %s after the calls before it", path[i]);
	ASSERT_EQ(6, maps);
}

/*
 * QEMU ends on QMP's quit as it does at a host's shutdown: its /dev/iommu
 * file goes, and with it the view and every pin; what it said on stderr
 * was expected.
 */
TEST_F_TIMEOUT(qemu, clean_exit, 240)
{
	struct qemu_vm *vm = &self->vm;
	int id = qemu_iommufd_id(vm->qemu);
	char path[64];

	ASSERT_LE(0, id);
	snprintf(path, sizeof(path), "/sys/kernel/debug/iommufd/%d", id);
	ASSERT_EQ(0, access(path, F_OK));
	ASSERT_EQ(0, qemu_quit(_metadata, vm));
	ASSERT_EQ(-1, access(path, F_OK));
	check_stderr(_metadata);
}

#endif

TEST_HARNESS_MAIN
