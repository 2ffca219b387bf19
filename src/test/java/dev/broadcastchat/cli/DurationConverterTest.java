package dev.broadcastchat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DurationConverterTest {
  private final DurationConverter converter = new DurationConverter();

  @Test
  void readsShortFormsAndIso() {
    assertThat(converter.convert("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(converter.convert("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(converter.convert("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(converter.convert("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(converter.convert("PT2S")).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void readsABareZeroAsZero() {
    assertThat(converter.convert("0")).isEqualTo(Duration.ZERO);
    assertThat(converter.convert(" 0 ")).isEqualTo(Duration.ZERO);
  }

  @Test
  void refusesAnythingElseNamingTheValue() {
    assertThatThrownBy(() -> converter.convert("soon"))
        .isInstanceOf(CommandLine.TypeConversionException.class)
        .hasMessageContaining("'soon'");
    assertThatThrownBy(() -> converter.convert("5"))
        .isInstanceOf(CommandLine.TypeConversionException.class)
        .hasMessageContaining("'5'");
  }
}
