package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * One read of {@code /metrics}, parsed from the Prometheus text format: each sample by its name and
 * labels exactly as printed ({@code chat_connections_open{protocol="text"}}).
 */
record Scrape(Map<String, Double> samples, String text) {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  /** Reads and parses {@code GET url}; fails unless it answers 200 in the text format. */
  static Scrape of(URI url) {
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as("GET %s", url).isEqualTo(200);
      assertThat(response.headers().firstValue("content-type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
      return parse(response.body());
    } catch (IOException e) {
      throw new AssertionError("GET " + url + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Reads the metrics of {@code server}'s main port. */
  static Scrape of(ChatServer server) {
    return of(URI.create(server.httpUrl() + "metrics"));
  }

  static Scrape parse(String text) {
    Map<String, Double> samples = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      String value = line.substring(space + 1);
      samples.put(
          line.substring(0, space),
          switch (value) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(value);
          });
    }
    return new Scrape(samples, text);
  }

  /** The value of {@code sample} (name and labels as printed); fails if it is missing. */
  double value(String sample) {
    Double value = samples.get(sample);
    if (value == null) {
      throw new AssertionError("no sample " + sample + " in:\n" + text);
    }
    return value;
  }

  /** Whether some sample's name is {@code name}, with or without labels. */
  boolean has(String name) {
    return samples.keySet().stream().anyMatch(s -> s.equals(name) || s.startsWith(name + "{"));
  }
}
