//! Property tests for the BFD codec: emit → parse is the identity for
//! every valid repr, and parse never panics and, when it succeeds,
//! re-encodes to the input octets.

use ka_wire::bfd::{Auth, Diag, Digest, Packet, Password, Repr, State};
use proptest::prelude::*;

fn state() -> impl Strategy<Value = State> {
    (0u8..4).prop_map(State::from_bits)
}

fn diag() -> impl Strategy<Value = Diag> {
    (0u8..=8).prop_map(|d| Diag::from_u8(d).unwrap())
}

fn auth() -> impl Strategy<Value = Option<Auth>> {
    let pw = (any::<u8>(), proptest::collection::vec(any::<u8>(), 1..=16))
        .prop_map(|(key_id, p)| Auth::SimplePassword {
            key_id,
            password: Password::new(&p).unwrap(),
        });
    let keyed = (
        any::<bool>(),
        any::<u8>(),
        any::<u32>(),
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 16),
            proptest::collection::vec(any::<u8>(), 20)
        ],
    )
        .prop_map(|(meticulous, key_id, seq, d)| Auth::Keyed {
            meticulous,
            key_id,
            seq,
            digest: Digest::new(&d).unwrap(),
        });
    prop_oneof![Just(None), pw.prop_map(Some), keyed.prop_map(Some)]
}

prop_compose! {
    fn repr()(
        diag in diag(),
        state in state(),
        pf in 0u8..3,
        cpi in any::<bool>(),
        demand in any::<bool>(),
        detect_mult in 1u8..,
        my_discr in 1u32..,
        your_discr in any::<u32>(),
        tx in any::<u32>(),
        rx in any::<u32>(),
        echo in any::<u32>(),
        auth in auth(),
    ) -> Repr {
        // RFC 5880 §6.8.6: Your Discriminator is zero only when Down or
        // AdminDown.
        let your_discr = if matches!(state, State::Init | State::Up) {
            your_discr.max(1)
        } else {
            your_discr
        };
        Repr {
            diag, state, poll: pf == 1, final_: pf == 2, cpi, demand,
            detect_mult, my_discr, your_discr, desired_min_tx: tx,
            required_min_rx: rx, required_min_echo_rx: echo, auth,
        }
    }
}

/// `r`, parsed from `b`, re-encodes to `b` but for the reserved octet of
/// a keyed section and, with the A bit clear, octets past the 24 that
/// the Length field covered (keepalived accepts those and ignores them).
fn canonical(r: &Repr, b: &[u8]) -> Result<(), TestCaseError> {
    let mut out = r.to_bytes();
    if r.auth.is_none() {
        prop_assert_eq!(out.len(), 24);
        out[3] = b[3];
        prop_assert_eq!(&out[..], &b[..24]);
        return Ok(());
    }
    if matches!(r.auth, Some(Auth::Keyed { .. })) {
        out[27] = b[27];
    }
    prop_assert_eq!(out, b);
    Ok(())
}

proptest! {
    #[test]
    fn emit_then_parse_is_identity(r in repr()) {
        let b = r.to_bytes();
        prop_assert_eq!(Repr::parse_bytes(&b), Ok(r));
    }

    #[test]
    fn parse_is_total_and_canonical(
        b in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        if let Ok(p) = Packet::new_checked(&b[..]) {
            // Accessors never panic once the length is checked.
            let _ = (p.auth_header(), p.auth_section(), p.state());
        }
        if let Ok(r) = Repr::parse_bytes(&b) {
            canonical(&r, &b)?;
        }
    }

    /// Mutating a valid packet's header: parse still never panics, and
    /// when it accepts the result it re-encodes it.
    #[test]
    fn mutated_packets(r in repr(), i in 0usize..24, v in any::<u8>()) {
        let mut b = r.to_bytes();
        b[i] = v;
        if let Ok(r2) = Repr::parse_bytes(&b) {
            canonical(&r2, &b)?;
        }
    }
}
