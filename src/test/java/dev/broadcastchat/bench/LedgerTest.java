package dev.broadcastchat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LedgerTest {
  @Test
  void messagesInOrderSkipNothing() {
    Ledger ledger = new Ledger(1);
    for (long seq = 0; seq < 100; seq++) {
      assertThat(ledger.accept(0, seq)).isZero();
    }
  }

  @Test
  void theFirstMessageSeenSetsWhereASenderStarts() {
    Ledger ledger = new Ledger(1);
    assertThat(ledger.accept(0, 41)).isZero();
    assertThat(ledger.accept(0, 42)).isZero();
  }

  @Test
  void aGapCountsTheMessagesSkipped() {
    Ledger ledger = new Ledger(1);
    ledger.accept(0, 0);
    assertThat(ledger.accept(0, 4)).isEqualTo(3);
    assertThat(ledger.accept(0, 5)).isZero();
  }

  @Test
  void aRepeatOrALateMessageIsADuplicate() {
    Ledger ledger = new Ledger(1);
    ledger.accept(0, 0);
    ledger.accept(0, 1);
    assertThat(ledger.accept(0, 1)).as("again").isEqualTo(Ledger.DUPLICATE);
    ledger.accept(0, 3);
    assertThat(ledger.accept(0, 2)).as("after a later one").isEqualTo(Ledger.DUPLICATE);
    assertThat(ledger.accept(0, 4)).isZero();
  }

  @Test
  void keepsEachSenderApart() {
    Ledger ledger = new Ledger(3);
    assertThat(ledger.senders()).isEqualTo(3);
    ledger.accept(0, 0);
    ledger.accept(1, 0);
    assertThat(ledger.accept(2, 0)).isZero();
    assertThat(ledger.accept(0, 1)).isZero();
    assertThat(ledger.accept(1, 3)).isEqualTo(2);
    assertThat(ledger.accept(0, 1)).isEqualTo(Ledger.DUPLICATE);
    assertThat(ledger.accept(2, 1)).isZero();
  }
}
