//! SuperTrend against values computed by hand (the working is in the comments).

use super::*;
use rust_decimal_macros::dec;

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or_default()
}

fn candle(start: i64, high: Decimal, low: Decimal, close: Decimal) -> Candle {
    Candle {
        start,
        open: low,
        high,
        low,
        close,
    }
}

/// Period 3, multiplier 1. For each candle: the true range TR, the Wilder ATR, hl2, the basic
/// bands hl2 ± ATR, the final bands after the carry rules, the trend and the line.
#[test]
fn hand_computed_series_with_two_flips() {
    let mut st = SuperTrend::new(3, dec!(1)).unwrap_or_else(|e| panic!("{e}"));
    struct Row {
        h: Decimal,
        l: Decimal,
        c: Decimal,
        // expected: (atr, upper, lower, trend, line, flipped), None during warm-up
        want: Option<(Decimal, Decimal, Decimal, Trend, Decimal, bool)>,
    }
    let rows = [
        // 1: TR = H - L = 101 - 98 = 3 (no previous close); warm-up
        Row {
            h: dec!(101),
            l: dec!(98),
            c: dec!(100),
            want: None,
        },
        // 2: TR = max(103-100, |103-100|, |100-100|) = 3; warm-up
        Row {
            h: dec!(103),
            l: dec!(100),
            c: dec!(102),
            want: None,
        },
        // 3: TR = max(3, |104-102| = 2, |101-102| = 1) = 3; ATR = (3+3+3)/3 = 3
        //    hl2 = 102.5, bands 105.5 / 99.5 (first point: no carry);
        //    close 103 >= hl2 -> Up, line = lower 99.5
        Row {
            h: dec!(104),
            l: dec!(101),
            c: dec!(103),
            want: Some((
                dec!(3),
                dec!(105.5),
                dec!(99.5),
                Trend::Up,
                dec!(99.5),
                false,
            )),
        },
        // 4: TR = max(3, |106-103| = 3, 0) = 3; ATR = (3*2 + 3)/3 = 3; hl2 = 104.5
        //    basic 107.5 / 101.5; upper: 107.5 < 105.5 no, prev close 103 > 105.5 no -> 105.5
        //    lower: 101.5 > 99.5 -> 101.5; Up holds (105 >= 101.5), line 101.5
        Row {
            h: dec!(106),
            l: dec!(103),
            c: dec!(105),
            want: Some((
                dec!(3),
                dec!(105.5),
                dec!(101.5),
                Trend::Up,
                dec!(101.5),
                false,
            )),
        },
        // 5: TR = max(105-96 = 9, |105-105| = 0, |96-105| = 9) = 9; ATR = (3*2 + 9)/3 = 5
        //    hl2 = 100.5, basic 105.5 / 95.5; upper: 105.5 < 105.5 no, 105 > 105.5 no -> 105.5
        //    lower: 95.5 > 101.5 no, prev close 105 < 101.5 no -> 101.5 (carried)
        //    Up and close 97 < 101.5 -> Down (flip), line = upper 105.5
        Row {
            h: dec!(105),
            l: dec!(96),
            c: dec!(97),
            want: Some((
                dec!(5),
                dec!(105.5),
                dec!(101.5),
                Trend::Down,
                dec!(105.5),
                true,
            )),
        },
        // 6: TR = max(98-93 = 5, |98-97| = 1, |93-97| = 4) = 5; ATR = (5*2 + 5)/3 = 5
        //    hl2 = 95.5, basic 100.5 / 90.5; upper: 100.5 < 105.5 -> 100.5
        //    lower: 90.5 > 101.5 no, but prev close 97 < prev lower 101.5 -> 90.5
        //    Down holds (94 <= 100.5), line 100.5
        Row {
            h: dec!(98),
            l: dec!(93),
            c: dec!(94),
            want: Some((
                dec!(5),
                dec!(100.5),
                dec!(90.5),
                Trend::Down,
                dec!(100.5),
                false,
            )),
        },
        // 7: TR = max(102-95 = 7, |102-94| = 8, |95-94| = 1) = 8; ATR = (5*2 + 8)/3 = 6
        //    hl2 = 98.5, basic 104.5 / 92.5; upper: 104.5 < 100.5 no, prev close 94 > 100.5
        //    no -> 100.5; lower: 92.5 > 90.5 -> 92.5; Down and close 101 > 100.5 -> Up (flip)
        //    line = lower 92.5
        Row {
            h: dec!(102),
            l: dec!(95),
            c: dec!(101),
            want: Some((
                dec!(6),
                dec!(100.5),
                dec!(92.5),
                Trend::Up,
                dec!(92.5),
                true,
            )),
        },
    ];
    let biases = [
        dec!(0),
        dec!(0),
        dec!(0.5),
        dec!(0.5),
        dec!(-0.5),
        dec!(-0.5),
        dec!(0.5),
    ];
    for (i, (row, bias)) in rows.iter().zip(biases).enumerate() {
        let got = st.update(candle(i as i64 * 60, row.h, row.l, row.c));
        let got = got.map(|p| (p.atr, p.upper, p.lower, p.trend, p.line, p.flipped));
        assert_eq!(got, row.want, "candle {}", i + 1);
        assert_eq!(st.bias(dec!(0.5)), bias, "bias after candle {}", i + 1);
    }
}

/// Multiplier 2 on the first ready candle of the series above: ATR 3, hl2 102.5, bands
/// 102.5 ± 6 = 108.5 / 96.5.
#[test]
fn multiplier_scales_the_bands() {
    let mut st = SuperTrend::new(3, dec!(2)).unwrap_or_else(|e| panic!("{e}"));
    st.update(candle(0, dec!(101), dec!(98), dec!(100)));
    st.update(candle(60, dec!(103), dec!(100), dec!(102)));
    let p = st.update(candle(120, dec!(104), dec!(101), dec!(103)));
    assert_eq!(
        p.map(|p| (p.upper, p.lower)),
        Some((dec!(108.5), dec!(96.5)))
    );
}

/// A close below hl2 on the first ready candle starts a down-trend (bias negative).
#[test]
fn first_trend_follows_close_against_hl2() {
    let mut st = SuperTrend::new(1, dec!(3)).unwrap_or_else(|e| panic!("{e}"));
    // period 1: ATR = TR = 4 at once; hl2 = 100, close 99 < 100 -> Down, line = 100 + 12
    let p = st.update(candle(0, dec!(102), dec!(98), dec!(99)));
    assert_eq!(p.map(|p| (p.trend, p.line)), Some((Trend::Down, dec!(112))));
    assert_eq!(st.bias(dec!(1)), dec!(-1));
}

#[test]
fn candles_from_samples_with_gaps_late_samples_and_timed_close() {
    let mut b = CandleBuilder::new(60).unwrap_or_else(|e| panic!("{e}"));
    for (t, p) in [
        (10, dec!(100)),
        (20, dec!(102)),
        (50, dec!(99)),
        (59, dec!(101)),
    ] {
        assert_eq!(b.push(at(t), p), None);
    }
    // the first sample of the next minute closes [0, 60)
    assert_eq!(
        b.push(at(61), dec!(103)),
        Some(Candle {
            start: 0,
            open: dec!(100),
            high: dec!(102),
            low: dec!(99),
            close: dec!(101)
        })
    );
    // a late sample of the closed minute is dropped
    assert_eq!(b.push(at(30), dec!(1)), None);
    assert_eq!(b.dropped(), 1);
    // [120, 180) had no sample: no candle for it; [60, 120) closes with its one sample
    let one = Candle {
        start: 60,
        open: dec!(103),
        high: dec!(103),
        low: dec!(103),
        close: dec!(103),
    };
    assert_eq!(b.push(at(200), dec!(104)), Some(one));
    // a quiet market: the open candle [180, 240) closes at 240, not before
    assert_eq!(b.close_due(at(239)), None);
    let quiet = Candle {
        start: 180,
        open: dec!(104),
        high: dec!(104),
        low: dec!(104),
        close: dec!(104),
    };
    assert_eq!(b.close_due(at(240)), Some(quiet));
    assert_eq!(b.close_due(at(300)), None);
    // a sample still stamped inside the closed candle is late
    assert_eq!(b.push(at(239), dec!(5)), None);
    assert_eq!(b.dropped(), 2);
    assert_eq!(b.push(at(250), dec!(105)), None);
}

#[test]
fn settings_are_checked() {
    let cases: [(Result<(), SuperTrendError>, SuperTrendError); 5] = [
        (
            SuperTrend::new(0, dec!(3)).map(drop),
            SuperTrendError::Period(0),
        ),
        (
            SuperTrend::new(10, dec!(0)).map(drop),
            SuperTrendError::Multiplier(dec!(0)),
        ),
        (
            CandleBuilder::new(0).map(drop),
            SuperTrendError::CandleSecs(0),
        ),
        (
            check_strength(dec!(1.5)).map(drop),
            SuperTrendError::Strength(dec!(1.5)),
        ),
        (
            check_strength(dec!(-0.1)).map(drop),
            SuperTrendError::Strength(dec!(-0.1)),
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, Err(want.clone()), "{want}");
    }
    assert_eq!(check_strength(dec!(1)), Ok(dec!(1)));
    assert!(SuperTrendError::Multiplier(dec!(-3))
        .to_string()
        .contains("-3"));
}
