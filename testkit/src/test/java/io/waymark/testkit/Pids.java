package io.waymark.testkit;

/** Pid checks for "closing leaves nothing behind". */
final class Pids {

  private Pids() {}

  static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
