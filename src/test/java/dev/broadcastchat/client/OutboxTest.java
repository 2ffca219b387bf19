package dev.broadcastchat.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OutboxTest {
  @Test
  void givesEverySayAFreshRefWithTheRunsPrefix() {
    Outbox outbox = new Outbox("p-");
    assertThat(outbox.add("a", false).ref()).isEqualTo("p-1");
    assertThat(outbox.add("b", true)).isEqualTo(new ClientRequest.Say("b", "p-2", true));
  }

  @Test
  void randomPrefixesDifferBetweenRunsAndRefsFitTheProtocol() {
    Random random = new Random(42);
    Set<String> refs = new HashSet<>();
    for (int run = 0; run < 100; run++) {
      String ref = Outbox.withRandomRefs(random).add("x", false).ref();
      assertThat(ref).hasSizeLessThanOrEqualTo(64).endsWith("-1");
      refs.add(ref);
    }
    assertThat(refs).hasSize(100);
  }

  @Test
  void keepsUnackedSaysInTheOrderTheyWereSent() {
    Outbox outbox = new Outbox("p-");
    outbox.add("one", false);
    outbox.add("two", false);
    outbox.add("three", false);
    outbox.ack("p-2", "m-2");
    assertThat(outbox.unacked())
        .extracting(ClientRequest.Say::text)
        .containsExactly("one", "three");
    assertThat(outbox.unackedCount()).isEqualTo(2);
  }

  @Test
  void isSettledOnlyOnceTheAckedMessageWasShown() {
    Outbox outbox = new Outbox("p-");
    outbox.add("hi", false);
    assertThat(outbox.settled()).isFalse();
    assertThat(outbox.ack("p-1", "m-7")).isTrue();
    assertThat(outbox.settled()).isFalse();
    outbox.shown("m-7");
    assertThat(outbox.settled()).isTrue();
  }

  @Test
  void anAckArrivingAfterItsMessageSettlesAtOnce() {
    Outbox outbox = new Outbox("p-");
    outbox.add("hi", false);
    outbox.shown("m-7");
    outbox.ack("p-1", "m-7");
    assertThat(outbox.settled()).isTrue();
  }

  @Test
  void aRefusedSayLeavesTheOutbox() {
    Outbox outbox = new Outbox("p-");
    outbox.add("far too long", false);
    assertThat(outbox.drop("p-1")).isTrue();
    assertThat(outbox.drop("p-1")).isFalse();
    assertThat(outbox.settled()).isTrue();
  }

  @Test
  void ignoresAcksForRefsItDoesNotHold() {
    Outbox outbox = new Outbox("p-");
    assertThat(outbox.ack("someone-else-1", "m-1")).isFalse();
    assertThat(outbox.settled()).isTrue();
  }

  @Test
  void remembersABoundedNumberOfShownIds() {
    Outbox outbox = new Outbox("p-");
    outbox.shown("m-0");
    for (int i = 1; i <= Outbox.REMEMBERED_IDS; i++) {
      outbox.shown("m-" + i);
    }
    outbox.add("old", false);
    outbox.ack("p-1", "m-0");
    assertThat(outbox.settled()).as("m-0 was forgotten, so it is awaited").isFalse();
  }
}
