// SPDX-License-Identifier: GPL-2.0-only
/* Copyright (c) 2026 The iommufd-ng authors */
/*
 * A real client of /dev/iommu: QEMU 10 (Debian 13's) with its iommufd
 * backend, passing edu through to a machine of its own:
 *
 *   qemu-system-x86_64 -M pc -accel tcg -bios /hlt.bin -nodefaults ...
 *     -object iommufd,id=iommufd0
 *     -device vfio-pci,host=<edu>,iommufd=iommufd0,addr=3,x-no-mmap=on
 *
 * QEMU comes from the x86_64 machine's /qemu10 (testing/scripts/qemu10.sh)
 * and runs there in a chroot; without it the tests skip. The inner machine
 * has no kernel: its CPU halts at the reset vector, and the test drives it
 * through QEMU's qtest protocol on QEMU's stdin and stdout, as a guest
 * driver would: PCI configuration cycles through ports 0xcf8/0xcfc to give
 * edu a BAR and let it master the bus, edu's registers to start DMA, and
 * reads and writes of the inner machine's RAM. What is proven:
 *
 *   - the vfio-pci device realizes through our iommufd: QEMU binds edu's
 *     VFIO cdev, attaches it, and maps the inner machine's RAM and ROM
 *     (the debugfs view of QEMU's /dev/iommu file shows the areas, all
 *     RAM pinned, and edu attached);
 *   - edu DMA from and into the inner machine's RAM at several
 *     guest-physical addresses lands exactly there;
 *   - a DMA to a guest-physical address with no RAM behind it is blocked,
 *     and VT-d reports the fault;
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
#define QEMU_STDERR	"/tmp/qemu10.stderr"
/* The inner machine: 128 MiB of RAM, edu in slot 3 of its PCI bus 0. */
#define INNER_RAM	(128ULL << 20)
#define EDU_SLOT	3
#define EDU_BAR		0xfe000000ULL
/* A guest-physical address with no RAM, below edu's 28-bit DMA mask */
#define NO_RAM		0x9000000ULL

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
	 * edu has no reset method (no FLR, no PM reset, alone on the bus):
	 * said at every reset of the inner machine, the one at start-up
	 * included.
	 */
	"vfio: Cannot reset device ",
	/* How the test ends QEMU. */
	"terminating on signal 15",
};

/* A running QEMU and the pipes to its qtest server. */
struct qemu_vm {
	pid_t pid;
	FILE *to;	/* QEMU's stdin: qtest commands */
	FILE *from;	/* QEMU's stdout: their replies */
	char reply[4096];
};

FIXTURE(qemu) {
	struct edu_sys sys;
	struct qemu_vm vm;
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

/* Start QEMU with edu at @bdf, its stdin and stdout ours. */
static pid_t qemu_start(const char *bdf, FILE **to, FILE **from)
{
	char dev[160];
	int in[2], out[2], err;
	pid_t pid;

	snprintf(dev, sizeof(dev),
		 "vfio-pci,host=%s,iommufd=iommufd0,addr=%d,x-no-mmap=on", bdf,
		 EDU_SLOT);
	if (pipe(in) || pipe(out))
		return -1;
	err = open(QEMU_STDERR, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (err < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err, 2);
		if (chroot(QEMU_ROOT) || chdir("/"))
			_exit(127);
		execl("/usr/bin/qemu-system-x86_64", "qemu-system-x86_64",
		      "-M", "pc", "-accel", "tcg", "-bios", "/hlt.bin",
		      "-nodefaults", "-display", "none", "-m", "128M",
		      "-qtest", "stdio", "-qtest-log", "none",
		      "-object", "iommufd,id=iommufd0", "-device", dev, NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err);
	*to = fdopen(in[1], "w");
	*from = fdopen(out[0], "r");
	return pid;
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
		TH_LOG("QEMU did not answer \"%s\"", cmd);
	len = strlen(vm->reply);
	if (len && vm->reply[len - 1] == '\n')
		vm->reply[len - 1] = 0;
	ASSERT_EQ(0, strncmp(vm->reply, "OK", 2))
		TH_LOG("\"%s\": %s", cmd, vm->reply);
	return vm->reply[2] ? vm->reply + 3 : "";
}

#define qt(...) __qt(_metadata, vm, __VA_ARGS__)
#define qt_num(...) strtoull(qt(__VA_ARGS__), NULL, 0)

/* PCI configuration of edu in the inner machine, through 0xcf8/0xcfc. */
static void cfg_write(struct __test_metadata *_metadata, struct qemu_vm *vm,
		      unsigned int off, uint32_t val)
{
	qt("outl 0xcf8 0x%x", 0x80000000 | EDU_SLOT << 11 | (off & ~3));
	qt("outl 0xcfc 0x%x", val);
}

/* edu copies @len bytes from @src to @dst (RAM or its buffer). */
static void edu_copy(struct __test_metadata *_metadata, struct qemu_vm *vm,
		     uint64_t src, uint64_t dst, unsigned int len, bool to_ram)
{
	uint64_t deadline = edu_now_ms() + 10000;

	qt("writeq 0x%llx 0x%llx", EDU_BAR + EDU_DMA_SRC,
	   (unsigned long long)src);
	qt("writeq 0x%llx 0x%llx", EDU_BAR + EDU_DMA_DST,
	   (unsigned long long)dst);
	qt("writeq 0x%llx %u", EDU_BAR + EDU_DMA_CNT, len);
	qt("writeq 0x%llx %d", EDU_BAR + EDU_DMA_CMD,
	   EDU_CMD_RUN | (to_ram ? EDU_CMD_TO_RAM : 0));
	/* edu runs a transfer 100 ms (of the outer machine) later. */
	while (qt_num("readq 0x%llx", EDU_BAR + EDU_DMA_CMD) & EDU_CMD_RUN) {
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

FIXTURE_SETUP(qemu)
{
	struct qemu_vm *vm = &self->vm;
	const char *why;
	int rc;

	vm->pid = -1;
	if (access(QEMU_ROOT "/usr/bin/qemu-system-x86_64", X_OK))
		SKIP(return, "no QEMU 10 in " QEMU_ROOT);
	why = edu_locate(&self->sys);
	if (why) {
		ASSERT_FALSE(edu_expected()) TH_LOG("%s", why);
		SKIP(return, "%s", why);
	}
	if (!self->sys.cdev[0])
		SKIP(return, "edu has no VFIO cdev");
	rc = qemu_root_mounts();
	ASSERT_EQ(0, rc);
	vm->pid = qemu_start(self->sys.bdf, &vm->to, &vm->from);
	ASSERT_LT(0, vm->pid);
	/* The first answer: QEMU realized edu and listens. */
	qt("endianness");

	/* A BAR for edu, memory decoding and bus mastering on. */
	cfg_write(_metadata, vm, 0x10, EDU_BAR);
	cfg_write(_metadata, vm, 0x04, 0x6);
	ASSERT_EQ(0x010000ed, qt_num("readl 0x%llx", EDU_BAR + EDU_ID));
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

FIXTURE_TEARDOWN(qemu)
{
	struct qemu_vm *vm = &self->vm;
	int status;

	if (vm->pid <= 0)
		return;
	kill(vm->pid, SIGTERM);
	waitpid(vm->pid, &status, 0);
	fclose(vm->to);
	fclose(vm->from);
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

/*
 * QEMU's IOAS, seen in the debugfs view of its /dev/iommu file: the inner
 * machine's RAM and ROM mapped (-M pc with 128 MiB: six ranges below 4 GiB
 * and the BIOS at its top), through one table, with edu attached.
 */
TEST_F_TIMEOUT(qemu, realized, 240)
{
	char *view = malloc(65536), path[64];
	int id = qemu_iommufd_id(self->vm.pid);

	ASSERT_NE(NULL, view);
	ASSERT_LE(0, id) TH_LOG("QEMU has no /dev/iommu file open");
	snprintf(path, sizeof(path), "/sys/kernel/debug/iommufd/%d", id);
	{
		int fd = open(path, O_RDONLY);
		ssize_t n;

		ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
		n = read(fd, view, 65535);
		ASSERT_LT(0, n);
		view[n] = 0;
		close(fd);
	}
	ksft_print_msg("QEMU's /dev/iommu file:\n%s", view);
	ASSERT_NE(NULL, strstr(view, ": plain, 0 windows, 6 areas, 1 table\n"));
	ASSERT_NE(NULL, strstr(view, "  area 0x100000-0x7ffffff rw, user 0x"));
	ASSERT_NE(NULL, strstr(view, "  area 0xc0000-0xdffff r-, user 0x"));
	ASSERT_NE(NULL, strstr(view, self->sys.bdf));
	free(view);
}

/*
 * edu copies data from the inner machine's RAM into its buffer and back
 * to other places of that RAM, several guest-physical addresses apart.
 */
TEST_F_TIMEOUT(qemu, dma, 240)
{
	static const uint64_t gpa[] = {
		0x100000, 0x4000000, INNER_RAM - 0x1000, 0x8000,
	};
	struct qemu_vm *vm = &self->vm;
	char hex[2 * 64 + 1];
	unsigned int i;

	for (i = 0; i + 1 < ARRAY_SIZE(gpa); i++) {
		pattern_hex(hex, 64, i + 1);
		qt("write 0x%llx 64 0x%s", (unsigned long long)gpa[i], hex);
		qt("memset 0x%llx 64 0", (unsigned long long)gpa[i + 1]);
		edu_copy(_metadata, vm, gpa[i], EDU_DEV_BUF, 64, false);
		edu_copy(_metadata, vm, EDU_DEV_BUF, gpa[i + 1], 64, true);
		ASSERT_STREQ(hex, qt("read 0x%llx 64",
				     (unsigned long long)gpa[i + 1]) + 2);
	}
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
	edu_copy(_metadata, vm, 0x100000, EDU_DEV_BUF, 16, false);
	edu_copy(_metadata, vm, EDU_DEV_BUF, NO_RAM, 16, true);
	ASSERT_TRUE(edu_kmsg_find_fault(kmsg, self->sys.bdf, NO_RAM, line,
					sizeof(line)))
		TH_LOG("no fault logged for 0x%llx", NO_RAM);
	ksft_print_msg("%s\n", line);
	close(kmsg);
	ASSERT_STREQ(hex, qt("read 0x100000 16") + 2);
}

/*
 * QEMU ends on SIGTERM as it does at a host's shutdown: its /dev/iommu
 * file goes, and with it the view and every pin; what it said on stderr
 * was expected.
 */
TEST_F_TIMEOUT(qemu, clean_exit, 240)
{
	struct qemu_vm *vm = &self->vm;
	int id = qemu_iommufd_id(vm->pid), status;
	char path[64];

	ASSERT_LE(0, id);
	snprintf(path, sizeof(path), "/sys/kernel/debug/iommufd/%d", id);
	ASSERT_EQ(0, access(path, F_OK));
	ASSERT_EQ(0, kill(vm->pid, SIGTERM));
	ASSERT_EQ(vm->pid, waitpid(vm->pid, &status, 0));
	vm->pid = -1;
	fclose(vm->to);
	fclose(vm->from);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(-1, access(path, F_OK));
	check_stderr(_metadata);
}

#endif

TEST_HARNESS_MAIN
