// LD_PRELOAD shim for the checkpoint shell tests: a process with it loaded sees a file system
// without fallocate(2), as on ext2/ext3 files or some NFS and FUSE mounts: every fallocate call
// fails with EOPNOTSUPP and changes nothing. This is the condition under which parlayer, before it
// reserved space by writing zeros, skipped the reservation (and could deadlock on a full disk).
#include <fcntl.h>

#include <cerrno>

extern "C" {

int fallocate(int, int, off_t, off_t) {
  errno = EOPNOTSUPP;
  return -1;
}

int fallocate64(int, int, off64_t, off64_t) {
  errno = EOPNOTSUPP;
  return -1;
}

}  // extern "C"
