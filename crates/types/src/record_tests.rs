use super::*;

type Rec = Recording<String, u32, i64>;

fn sample() -> Rec {
    Recording {
        header: Header {
            format: FORMAT_VERSION,
            engine: EngineKind::Vrrp,
            config: 7,
        },
        steps: vec![
            Step {
                at: Instant::ZERO,
                input: Input::Event("start".into()),
                actions: vec![1, 2],
            },
            Step {
                at: Instant::from_millis(1500),
                input: Input::Timeout,
                actions: vec![],
            },
            Step {
                at: Instant::from_secs(2),
                input: Input::Reload(8),
                actions: vec![-3],
            },
        ],
    }
}

#[test]
fn lines_have_the_documented_shape() {
    let text = sample().to_jsonl().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            r#"{"format":1,"engine":"vrrp","config":7}"#,
            r#"{"at":0,"input":{"Event":"start"},"actions":[1,2]}"#,
            r#"{"at":1500000,"input":"Timeout","actions":[]}"#,
            r#"{"at":2000000,"input":{"Reload":8},"actions":[-3]}"#,
        ]
    );
}

#[test]
fn round_trip() {
    let rec = sample();
    let text = rec.to_jsonl().unwrap();
    assert_eq!(Rec::parse(&text, EngineKind::Vrrp).unwrap(), rec);
}

#[test]
fn blank_lines_are_skipped_and_errors_name_their_line() {
    let text = "\n{\"format\":1,\"engine\":\"vrrp\",\"config\":7}\n\n\
                {\"at\":0,\"input\":\"Timeout\",\"actions\":[]}\n\
                {\"at\":0,\"input\":\"Nonsense\",\"actions\":[]}\n";
    match Rec::parse(text, EngineKind::Vrrp) {
        Err(RecordError::Json { line, .. }) => assert_eq!(line, 5),
        other => panic!("expected a JSON error on line 5, got {other:?}"),
    }
}

#[test]
fn wrong_version_and_empty_are_refused() {
    let text = r#"{"format":99,"engine":"vrrp","config":7}"#;
    assert!(matches!(
        Rec::parse(text, EngineKind::Vrrp),
        Err(RecordError::Format { found: 99 })
    ));
    assert!(matches!(
        Rec::parse("  \n", EngineKind::Vrrp),
        Err(RecordError::Empty)
    ));
}
