/*
 * test_cpus.c - unit tests for rs_cpus (src/common/rs_cpus.c): cgroup CPU
 * limits read from cgroup trees built under a temporary directory, as
 * /proc/self/cgroup and /proc/self/mountinfo would name them on a
 * cgroup v2 host, a cgroup v1 host and inside a container.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rs_cpus.h"

static char root[256];

static int make_root(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/rs-cpus-XXXXXX");
    return mkdtemp(root) != NULL ? 0 : -1;
}

static int remove_root(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to root/dir/name, making dir as needed. */
static void put(const char *dir, const char *name, const char *text)
{
    char path[512], cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s%s'", root, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s%s/%s", root, dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char v2_mounts[] =
    "25 30 0:23 / /proc rw,nosuid - proc proc rw\n"
    "31 23 0:27 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";

static void test_cpu_max_rounds_a_quota_up(void **state)
{
    (void)state;
    assert_int_equal(rs_cpus_from_cpu_max("max 100000\n"), 0);
    assert_int_equal(rs_cpus_from_cpu_max("50000 100000\n"), 1);
    assert_int_equal(rs_cpus_from_cpu_max("100000 100000\n"), 1);
    assert_int_equal(rs_cpus_from_cpu_max("150000 100000\n"), 2);
    assert_int_equal(rs_cpus_from_cpu_max("400000 100000\n"), 4);
    assert_int_equal(rs_cpus_from_cpu_max(""), 0);
    assert_int_equal(rs_cpus_from_cpu_max("nonsense"), 0);
    assert_int_equal(rs_cpus_from_cpu_max(NULL), 0);
}

static void test_v2_the_tightest_limit_on_the_way_up_counts(void **state)
{
    (void)state;
    put("/sys/fs/cgroup/kubepods", "cpu.max", "max 100000\n");
    put("/sys/fs/cgroup/kubepods/pod1", "cpu.max", "300000 100000\n");
    put("/sys/fs/cgroup/kubepods/pod1/app", "cpu.max", "max 100000\n");
    assert_int_equal(rs_cpus_cgroup_limit("0::/kubepods/pod1/app\n", v2_mounts, root), 3);
    put("/sys/fs/cgroup/kubepods/pod1/app", "cpu.max", "50000 100000\n");
    assert_int_equal(rs_cpus_cgroup_limit("0::/kubepods/pod1/app\n", v2_mounts, root), 1);
}

static void test_v2_no_limit_anywhere_is_none(void **state)
{
    (void)state;
    put("/sys/fs/cgroup/user.slice", "cpu.max", "max 100000\n");
    assert_int_equal(rs_cpus_cgroup_limit("0::/user.slice\n", v2_mounts, root), 0);
    assert_int_equal(rs_cpus_cgroup_limit("0::/not/there\n", v2_mounts, root), 0);
    assert_int_equal(rs_cpus_cgroup_limit("0::/\n", v2_mounts, root), 0);
}

static void test_v2_in_a_container_the_mount_shows_its_own_cgroup(void **state)
{
    (void)state;
    /* a cgroup namespace: the process is at "/" of a mount whose root is
     * the container's cgroup */
    put("/ctr/sys/fs/cgroup", "cpu.max", "200000 100000\n");
    const char mounts[] = "600 550 0:27 / /ctr/sys/fs/cgroup ro - cgroup2 cgroup rw\n";
    assert_int_equal(rs_cpus_cgroup_limit("0::/\n", mounts, root), 2);
}

static void test_v1_quota_and_period_under_the_cpu_controller(void **state)
{
    (void)state;
    const char mounts[] =
        "32 31 0:29 / /v1/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
        "35 31 0:32 / /v1/memory rw,relatime - cgroup cgroup rw,memory\n";
    const char self[] = "4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n0::/\n";
    put("/v1/cpu,cpuacct", "cpu.cfs_quota_us", "-1\n");
    put("/v1/cpu,cpuacct", "cpu.cfs_period_us", "100000\n");
    put("/v1/cpu,cpuacct/docker/abc", "cpu.cfs_quota_us", "250000\n");
    put("/v1/cpu,cpuacct/docker/abc", "cpu.cfs_period_us", "100000\n");
    put("/v1/memory/docker/abc", "cpu.cfs_quota_us", "50000\n");   /* not the cpu controller */
    put("/v1/memory/docker/abc", "cpu.cfs_period_us", "100000\n");
    assert_int_equal(rs_cpus_cgroup_limit(self, mounts, root), 3);
}

static void test_v1_container_mount_root_not_above_the_process(void **state)
{
    (void)state;
    /* inside a v1 container the mount's root is the container's cgroup and
     * /proc/self/cgroup still names the host's path */
    const char mounts[] = "40 31 0:29 /kubepods/podx/c1 /c/cpu rw - cgroup cgroup rw,cpuacct,cpu\n";
    put("/c/cpu", "cpu.cfs_quota_us", "100000\n");
    put("/c/cpu", "cpu.cfs_period_us", "100000\n");
    assert_int_equal(rs_cpus_cgroup_limit("3:cpu,cpuacct:/kubepods/podx/c1\n", mounts, root), 1);
    assert_int_equal(rs_cpus_cgroup_limit("3:cpu,cpuacct:/elsewhere\n", mounts, root), 1);
    /* a child cgroup of the container's: found below the mount point */
    put("/c/cpu", "cpu.cfs_quota_us", "400000\n");
    put("/c/cpu/worker", "cpu.cfs_quota_us", "100000\n");
    put("/c/cpu/worker", "cpu.cfs_period_us", "100000\n");
    assert_int_equal(rs_cpus_cgroup_limit("3:cpu,cpuacct:/kubepods/podx/c1/worker\n", mounts, root), 1);
    assert_int_equal(rs_cpus_cgroup_limit("3:cpu,cpuacct:/kubepods/podx/c1\n", mounts, root), 4);
}

static void test_no_cgroup_mounts_is_no_limit(void **state)
{
    (void)state;
    assert_int_equal(rs_cpus_cgroup_limit("0::/\n", "25 30 0:23 / /proc rw - proc proc rw\n", root), 0);
    assert_int_equal(rs_cpus_cgroup_limit("", "", root), 0);
    assert_int_equal(rs_cpus_cgroup_limit("garbage", "garbage line\n", root), 0);
}

static void test_this_process_may_use_at_least_one(void **state)
{
    (void)state;
    unsigned n = rs_cpus();
    assert_true(n >= 1);
    assert_true(n <= (unsigned)sysconf(_SC_NPROCESSORS_ONLN));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu_max_rounds_a_quota_up),
        cmocka_unit_test(test_v2_the_tightest_limit_on_the_way_up_counts),
        cmocka_unit_test(test_v2_no_limit_anywhere_is_none),
        cmocka_unit_test(test_v2_in_a_container_the_mount_shows_its_own_cgroup),
        cmocka_unit_test(test_v1_quota_and_period_under_the_cpu_controller),
        cmocka_unit_test(test_v1_container_mount_root_not_above_the_process),
        cmocka_unit_test(test_no_cgroup_mounts_is_no_limit),
        cmocka_unit_test(test_this_process_may_use_at_least_one),
    };
    return cmocka_run_group_tests(tests, make_root, remove_root);
}
