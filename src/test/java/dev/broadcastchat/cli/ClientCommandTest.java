package dev.broadcastchat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.broadcastchat.client.ClientConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ClientCommandTest {
  @Test
  void acceptsWsAndWssUrlsAddingTheRootPath() {
    assertThat(ClientCommand.parseUrl("ws://127.0.0.1:8080").toString())
        .isEqualTo("ws://127.0.0.1:8080/");
    assertThat(ClientCommand.parseUrl("wss://chat.example:443/room").getPath()).isEqualTo("/room");
  }

  @Test
  void keepsTheQueryWhenAddingTheRootPath() {
    assertThat(ClientCommand.parseUrl("ws://h:1?token=a%2Bb").toString())
        .isEqualTo("ws://h:1/?token=a%2Bb");
  }

  @Test
  void refusesOtherSchemesAndFragmentsNamingTheUrl() {
    assertThatThrownBy(() -> ClientCommand.parseUrl("http://127.0.0.1:8080/"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("http://127.0.0.1:8080/");
    assertThatThrownBy(() -> ClientCommand.parseUrl("ws://h:1/#top"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("ws://h:1/#top");
  }

  @Test
  void refusesAPortOutOfRangeNamingTheUrl() {
    for (String url : new String[] {"ws://127.0.0.1:99999/", "ws://127.0.0.1:0/"}) {
      assertThatThrownBy(() -> ClientCommand.parseUrl(url))
          .isInstanceOf(UsageException.class)
          .hasMessageContaining(url);
    }
  }

  @Test
  void readsNickRoomAndReconnectTimeout() {
    ClientCommand command =
        parse("ws://h:1/", "--nick", "alice", "--room", "dev", "--reconnect-timeout", "30s");
    assertThat(command.config())
        .isEqualTo(
            new ClientConfig(
                ClientCommand.parseUrl("ws://h:1/"), "alice", "dev", Duration.ofSeconds(30)));
  }

  @Test
  void defaultsToTheLocalServerNoNickNoRoomAndTwoMinutes() {
    ClientConfig config = parse().config();
    assertThat(config.url()).hasToString(ClientCommand.DEFAULT_URL);
    assertThat(config.reconnectTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(config.reconnectTimeout()).isEqualTo(ClientConfig.DEFAULT_RECONNECT_TIMEOUT);
  }

  @Test
  void aBadReconnectTimeoutIsExit2NamingIt() {
    StringWriter err = new StringWriter();
    CommandLine cl = Main.newCommandLine();
    cl.setErr(new PrintWriter(err));
    assertThat(cl.execute("client", "--reconnect-timeout", "soon")).isEqualTo(2);
    assertThat(err.toString()).contains("--reconnect-timeout").contains("soon");
  }

  @Test
  void anEmptyNickIsExit2NamingIt() {
    assertThatThrownBy(() -> parse("--nick", "").config())
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("nick");
  }

  @Test
  void aNickOrRoomTheServerWouldRefuseIsExit2NamingItBeforeConnecting() {
    assertThatThrownBy(() -> parse("--nick", "a:b").config())
        .isInstanceOf(UsageException.class)
        .hasMessage("nick: 'a:b' (bad nick: a nick cannot contain ':')");
    assertThatThrownBy(() -> parse("--room", "bad room").config())
        .isInstanceOf(UsageException.class)
        .hasMessageStartingWith("room: 'bad room' (bad room:");
  }

  @Test
  void aBadUrlIsNamedWithoutItsToken() {
    assertThatThrownBy(() -> ClientCommand.parseUrl("http://h:1/?room=r&token=eyJ.secret"))
        .isInstanceOf(UsageException.class)
        .hasMessageStartingWith("url: http://h:1/?room=r&token=*** (expected:");
  }

  private static ClientCommand parse(String... args) {
    ClientCommand command = new ClientCommand();
    new CommandLine(command).parseArgs(args);
    return command;
  }
}
