package dev.broadcastchat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server keeps loading classes from its jar as it first needs them, at shutdown among others.
 * When the jar is rebuilt while a server runs (the launcher rebuilds it for any command once the
 * sources have changed), the server must keep working from the jar it opened, and whatever happens
 * it must still exit on SIGTERM.
 */
class JarRebuiltUnderServerIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  @Timeout(90)
  void theLauncherRebuildsIntoANewFileAndLeavesTheOpenJarAsItWas() throws Exception {
    Path project = Files.createDirectories(dir.resolve("project"));
    Path launcher = project.resolve("chat");
    Files.copy(ChatProcess.launcherPath(), launcher);
    executable(launcher);
    Files.writeString(project.resolve("pom.xml"), "");
    Path source = Files.createDirectories(project.resolve("src/main")).resolve("Changed.java");
    Files.writeString(source, "");
    Path jar = Files.createDirectories(project.resolve("target")).resolve("chat.jar");
    Files.writeString(jar, "old jar");
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(3600)));
    // Maven's shade plugin writes the jar in place, as this stand-in does.
    Path bin = Files.createDirectories(dir.resolve("bin"));
    executable(
        Files.writeString(bin.resolve("mvn"), "#!/bin/sh\nprintf 'new jar' > target/chat.jar\n"));
    Path jdk = dir.resolve("jdk");
    executable(
        Files.writeString(
            Files.createDirectories(jdk.resolve("bin")).resolve("java"), "#!/bin/sh\n"));

    // A running server holds the jar open; so does this process, on its standard input.
    Process holder = new ProcessBuilder("sleep", "60").redirectInput(jar.toFile()).start();
    try (ChatProcess rebuild =
        ChatProcess.shell(
            "PATH='" + bin + "':\"$PATH\" JAVA_HOME='" + jdk + "' '" + launcher + "' --version")) {
      assertThat(rebuild.waitFor(WAIT)).as("stderr: %s", rebuild.stderr()).isZero();
      assertThat(rebuild.stderr()).anyMatch(line -> line.startsWith("chat: building"));
      assertThat(Files.readString(jar)).isEqualTo("new jar");
      assertThat(Files.readString(Path.of("/proc/" + holder.pid() + "/fd/0")))
          .as("the jar as the running process opened it")
          .isEqualTo("old jar");
    } finally {
      holder.destroyForcibly();
    }
  }

  @Test
  @Timeout(150)
  void aServerWhoseJarWasOverwrittenStillExitsOnSigterm() throws Exception {
    Path copy = dir.resolve("chat.jar");
    Files.copy(ChatProcess.jarPath(), copy);
    try (ChatProcess server =
        ChatProcess.shell(
            "exec '"
                + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' -jar '"
                + copy
                + "' server --port 0 --log-level warn")) {
      assertThat(server.awaitLine(line -> line.startsWith("listening on "), "listening", WAIT))
          .isNotNull();
      // Overwritten in place: the classes it has not loaded yet, which shutting down needs, are
      // gone from under it.
      Files.write(
          copy,
          "not a jar".getBytes(StandardCharsets.UTF_8),
          StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING);
      server.terminate();
      assertThat(server.waitFor(WAIT)).as("exit code; stderr: %s", server.stderr()).isEqualTo(1);
      // An event loop that fails to load a class prints its own trace, which may share the line.
      assertThat(server.stderr())
          .anyMatch(line -> line.contains("chat: unexpected failure, exiting"));
    }
  }

  private static Path executable(Path file) throws Exception {
    return Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
