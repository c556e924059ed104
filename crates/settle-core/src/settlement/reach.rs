//! Which closed settlement holds a transfer, decided without writing to the transfer.
//!
//! Transfers are numbered in the order they are recorded (`seq`), and a close reads them
//! with writers held off, so it sees exactly those up to the highest number recorded then.
//! Each settlement keeps that number (`through_seq`) and its last day: its *reach*. A
//! transfer is held by the oldest settlement of its partner whose reach covers it (it was
//! recorded by then and is dated by then), and it is open while the partner's latest reach
//! does not. Closing therefore writes one row per settlement, never one per transfer.
//!
//! This is exactly where [`cycles_to_close`](super::cycles_to_close) puts each transfer:
//! a close sees the transfers no earlier reach covers; a late one (dated in a closed
//! cycle, recorded after it closed) is covered first by the first cycle of the next close,
//! which is where the plan puts it. Reaches only grow from one settlement to the next
//! (numbers and days both), so "covered by some reach" is "covered by the latest".

use time::Date;

/// How far a closed settlement reaches: the highest transfer number recorded when it
/// closed, and its last day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reach {
    /// The highest transfer number recorded when the settlement closed.
    pub through_seq: i64,
    /// The settlement's last day.
    pub end: Date,
}

impl Reach {
    /// Whether the transfer recorded as `seq`, dated `date`, is settled by this settlement
    /// or an earlier one of its partner.
    pub fn covers(&self, seq: i64, date: Date) -> bool {
        seq <= self.through_seq && date <= self.end
    }
}

/// Which of a partner's settlements (their reaches, oldest first) holds the transfer
/// recorded as `seq`, dated `date`: the first that covers it; none while it is open.
pub fn holder(reaches: &[Reach], seq: i64, date: Date) -> Option<usize> {
    reaches.iter().position(|r| r.covers(seq, date))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::date;

    use super::super::tests::{any_transfer, contract};
    use super::super::{Transfer, cycles_to_close};
    use super::*;
    use crate::ids::PartnerId;

    fn partner() -> PartnerId {
        super::super::tests::partner()
    }

    /// Closes after each batch of arrivals, as the store does: a close sees the recorded
    /// transfers no reach covers and stores one reach per cycle. Returns, per transfer
    /// (by number), the cycle the plan put it in, and the reaches.
    fn close_as_recorded(
        batches: &[Vec<Transfer>],
        throughs: &[Date],
    ) -> (Vec<Option<usize>>, Vec<Reach>) {
        let contracts = vec![contract(
            date!(2026 - 01 - 01),
            rust_decimal::Decimal::ONE,
            rust_decimal::Decimal::ZERO,
            rust_decimal::Decimal::ZERO,
        )];
        let mut recorded: Vec<Transfer> = Vec::new();
        let mut planned: Vec<Option<usize>> = Vec::new();
        let mut reaches: Vec<Reach> = Vec::new();
        for (batch, &through) in batches.iter().zip(throughs) {
            recorded.extend(batch.iter().cloned());
            planned.resize(recorded.len(), None);
            let watermark = recorded.len() as i64;
            let open: Vec<Transfer> = recorded
                .iter()
                .enumerate()
                .filter(|(i, t)| {
                    !reaches
                        .last()
                        .is_some_and(|r| r.covers(*i as i64 + 1, t.occurred_on))
                })
                .map(|(i, t)| Transfer {
                    external_id: i.to_string(),
                    ..t.clone()
                })
                .collect();
            let last_closed = reaches.last().map(|r| r.end);
            let cycles = cycles_to_close(&partner(), &open, &contracts, last_closed, through)
                .expect("one contract covers every day");
            for cycle in cycles {
                for t in &cycle.transfers {
                    let index: usize = t.external_id.parse().expect("numbered");
                    assert!(planned[index].is_none(), "settled twice");
                    planned[index] = Some(reaches.len());
                }
                reaches.push(Reach {
                    through_seq: watermark,
                    end: cycle.end,
                });
            }
        }
        (planned, reaches)
    }

    proptest! {
        /// However transfers arrive between closes (late ones included), the reaches
        /// name, for every transfer, exactly the settlement the plan put it in, and leave
        /// open exactly those the plan left open.
        #[test]
        fn reaches_hold_what_the_plan_settled(
            batches in prop::collection::vec(
                prop::collection::vec(any_transfer(), 0..12), 1..6),
            steps in prop::collection::vec(1i64..40, 6),
        ) {
            let mut through = date!(2026 - 09 - 20);
            let throughs: Vec<Date> = steps
                .iter()
                .map(|d| { through += time::Duration::days(*d); through })
                .collect();
            let (planned, reaches) = close_as_recorded(&batches, &throughs);
            let grows = |w: &[Reach]| w[0].through_seq <= w[1].through_seq && w[0].end < w[1].end;
            prop_assert!(reaches.windows(2).all(grows), "reaches only grow: {:?}", reaches);
            let recorded: Vec<&Transfer> = batches.iter().flatten().collect();
            for (i, t) in recorded.iter().enumerate() {
                let seq = i as i64 + 1;
                prop_assert_eq!(holder(&reaches, seq, t.occurred_on), planned[i], "transfer {}", seq);
                let open = !reaches.last().is_some_and(|r| r.covers(seq, t.occurred_on));
                prop_assert_eq!(open, planned[i].is_none());
            }
        }
    }

    #[test]
    fn a_transfer_recorded_after_a_close_is_not_covered_by_it() {
        let reach = Reach {
            through_seq: 10,
            end: date!(2026 - 11 - 30),
        };
        assert!(reach.covers(10, date!(2026 - 11 - 30)));
        assert!(!reach.covers(11, date!(2026 - 11 - 01)));
        assert!(!reach.covers(3, date!(2026 - 12 - 01)));
    }
}
