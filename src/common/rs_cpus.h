/*
 * rs_cpus.h - how many CPUs this process may use.
 *
 * The count that sizes the event loops, the worker pool, the password
 * threads and rs-load's threads. It is the smaller of two limits: the CPUs
 * the process may be scheduled on (its affinity mask: taskset, a cpuset,
 * Kubernetes' static CPU manager) and its cgroup's CPU quota rounded up
 * (cgroup v2 cpu.max of its own cgroup and each parent, or cgroup v1
 * cpu.cfs_quota_us / cpu.cfs_period_us: a container's CPU limit). So a
 * pod limited to 500m on a 64-core node runs one event loop, not 64.
 * Safe from any thread; reads /proc and /sys each time it is called.
 */
#ifndef RS_CPUS_H
#define RS_CPUS_H

/* The CPUs this process may use: at least 1. */
unsigned rs_cpus(void);

/* The CPUs a cgroup v2 cpu.max text allows ("150000 100000" is 2, a
 * quota rounded up); 0 when it sets no limit ("max 100000") or cannot be
 * read. */
unsigned rs_cpus_from_cpu_max(const char *text);

/* The tightest cgroup CPU limit over the process's cgroup and its parents,
 * from the texts of /proc/self/cgroup and /proc/self/mountinfo, with
 * prefix put before every mount point (the tests' stand-in for /); 0
 * when none is set. */
unsigned rs_cpus_cgroup_limit(const char *self_cgroup, const char *mountinfo,
                              const char *prefix);

#endif
