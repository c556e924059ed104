//! Partner import over HTTP: CSV (UTF-8, CP949) and XLSX, on SQLite and on PostgreSQL.

mod support;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use settle_testkit::{TestEngine, both_engines};
use support::{TestApp, brn, partner_body, send};

const HEADER: &str = "brn,name,ceo_name,address,biz_type,biz_item,contact_name,contact_email,contact_phone,external_id,tags";

fn row(brn: &str, name: &str, email: &str, external_id: &str) -> String {
    format!(
        "{brn},{name},대표,서울특별시 중구 세종대로 110,도소매,생활용품,담당자,{email},02-123-4567,{external_id},a;b"
    )
}

async fn upload(t: &TestApp, bytes: Vec<u8>, file_name: &str) -> (u16, Value) {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(file_name.to_owned()));
    send(
        t.client
            .post(t.url("/v1/partners/import"))
            .bearer_auth(&t.key)
            .multipart(form),
    )
    .await
}

async fn csv_import_stores_good_rows_and_reports_bad_ones(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    // One partner exists already.
    assert_eq!(
        send(t.post("/v1/partners", &partner_body(&brn(101_010_005))))
            .await
            .0,
        201
    );
    let lines = [
        HEADER.to_owned(),
        row(&brn(101_010_001), "주식회사 하나", "one@example.kr", "E1"),
        row("220-81-62518", "체크섬 틀림", "two@example.kr", "E2"),
        row(&brn(101_010_002), "둘", "not-an-email", "E3"),
        row(&brn(101_010_003), "셋", "three@example.kr", "E4"),
        row(&brn(101_010_001), "하나 중복", "dup@example.kr", "E5"),
        row(&brn(101_010_005), "이미 있음", "exists@example.kr", "E6"),
        row(&brn(101_010_006), "외부아이디 중복", "six@example.kr", "E1"),
        String::new(),
    ];
    let (status, report) = upload(&t, lines.join("\n").into_bytes(), "partners.csv").await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["created"], 2);
    let failed = report["failed"].as_array().unwrap();
    let rows: Vec<i64> = failed.iter().map(|f| f["row"].as_i64().unwrap()).collect();
    assert_eq!(rows, [2, 3, 5, 6, 7]);
    let first_code = |i: usize| failed[i]["errors"][0]["code"].as_str().unwrap().to_owned();
    assert_eq!(first_code(0), "partner.invalid_brn");
    assert_eq!(
        failed[1]["errors"][0],
        json!({ "code": "partner.invalid_email", "field": "contact_email", "message": "contact.email is not an email address" })
    );
    assert_eq!(first_code(2), "partner.duplicate_brn");
    assert_eq!(first_code(3), "partner.duplicate_brn");
    assert_eq!(first_code(4), "partner.duplicate_external_id");
    let (_, list) = send(t.get("/v1/partners?tag=b")).await;
    let names: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["주식회사 하나", "셋"]);
}

async fn cp949_csv_and_raw_bodies_are_accepted(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let text = format!(
        "{HEADER}\r\n{}\r\n",
        row(
            &brn(101_010_001),
            "주식회사 한글상사",
            "kor@example.kr",
            "K1"
        )
    );
    let (bytes, _, lossy) = encoding_rs::EUC_KR.encode(&text);
    assert!(!lossy);
    let (status, report) = send(
        t.client
            .post(t.url("/v1/partners/import"))
            .bearer_auth(&t.key)
            .header("content-type", "text/csv")
            .body(bytes.into_owned()),
    )
    .await;
    assert_eq!(
        (status, &report),
        (200, &json!({ "created": 1, "failed": [] }))
    );
    let (_, list) = send(t.get("/v1/partners?external_id=K1")).await;
    assert_eq!(list["data"][0]["name"], "주식회사 한글상사");
}

async fn xlsx_import_reads_the_first_sheet(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, name) in HEADER.split(',').enumerate() {
        sheet.write_string(0, col as u16, name).unwrap();
    }
    let good = row(&brn(101_010_001), "엑셀상사", "xlsx@example.kr", "X1");
    let bad = row("1", "", "bad", "X2");
    for (r, line) in [good, bad].iter().enumerate() {
        for (col, cell) in line.split(',').enumerate() {
            sheet.write_string(r as u32 + 1, col as u16, cell).unwrap();
        }
    }
    // A BRN typed as a number, the way Excel users enter it.
    sheet
        .write_number(1, 0, brn(101_010_001).parse::<f64>().unwrap())
        .unwrap();
    let (status, report) = upload(&t, book.save_to_buffer().unwrap(), "partners.xlsx").await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["created"], 1);
    assert_eq!(report["failed"][0]["row"], 2);
    let codes: Vec<&str> = report["failed"][0]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"partner.invalid_brn")
            && codes.contains(&"partner.missing_field")
            && codes.contains(&"partner.invalid_email"),
        "{codes:?}"
    );
}

async fn files_that_are_not_tables_are_refused(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00".to_vec();
    let (status, body) = upload(&t, png, "logo.png").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("import.unsupported_format"))
    );
    let (status, body) = upload(&t, b"PK\x03\x04garbage".to_vec(), "x.xlsx").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("import.unsupported_format"))
    );
    let (status, body) = upload(&t, format!("{HEADER},colour\n").into_bytes(), "p.csv").await;
    assert_eq!(
        (
            status,
            body["error"]["code"].as_str(),
            body["error"]["field"].as_str()
        ),
        (422, Some("import.unknown_column"), Some("colour"))
    );
    let (status, body) = upload(&t, b"brn,name\n".to_vec(), "p.csv").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("import.missing_column"))
    );
    let (status, body) = upload(&t, Vec::new(), "empty.csv").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("import.empty"))
    );
    // A form with no field at all.
    let (status, body) = send(
        t.client
            .post(t.url("/v1/partners/import"))
            .bearer_auth(&t.key)
            .header("content-type", "multipart/form-data; boundary=X")
            .body("--X--\r\n"),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("import.missing_file"))
    );
    let form = Form::new().text("other", "x");
    let (status, body) = send(
        t.client
            .post(t.url("/v1/partners/import"))
            .bearer_auth(&t.key)
            .multipart(form),
    )
    .await;
    assert_eq!(
        (
            status,
            body["error"]["code"].as_str(),
            body["error"]["field"].as_str()
        ),
        (422, Some("request.invalid_field"), Some("other"))
    );
    let (_, list) = send(t.get("/v1/partners")).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0);
}

async fn an_import_replays_with_its_idempotency_key(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let file = format!(
        "{HEADER}\n{}\n",
        row(&brn(101_010_001), "하나", "one@example.kr", "I1")
    )
    .into_bytes();
    let post = |bytes: Vec<u8>| {
        // Each multipart request gets a new random boundary; the replay must still match.
        let form = Form::new().part("file", Part::bytes(bytes).file_name("p.csv"));
        send(
            t.client
                .post(t.url("/v1/partners/import"))
                .bearer_auth(&t.key)
                .header("Idempotency-Key", "import-1")
                .multipart(form),
        )
    };
    let (status, first) = post(file.clone()).await;
    assert_eq!((status, first["created"].as_i64()), (200, Some(1)));
    let (status, second) = post(file).await;
    assert_eq!((status, second), (200, first));
}

both_engines!(
    csv_import_stores_good_rows_and_reports_bad_ones,
    cp949_csv_and_raw_bodies_are_accepted,
    xlsx_import_reads_the_first_sheet,
    files_that_are_not_tables_are_refused,
    an_import_replays_with_its_idempotency_key,
);
