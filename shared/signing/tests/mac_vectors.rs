//! RFC 4231 test cases 1-7 and Project Wycheproof's HMAC-SHA256 cases through the crate's MAC
//! verification, each at its tag size: every valid case accepted, every invalid one refused.

use crate::common;

use chatpass_signing::mac::{hmac_sha256, verify_hmac_sha256};

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

#[test]
fn rfc_4231_cases_1_to_7() {
    let long_key = vec![0xaa; 131];
    let cases: [(Vec<u8>, &[u8], &str); 7] = [
        (vec![0x0b; 20], b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (b"Jefe".to_vec(), b"what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (vec![0xaa; 20], &[0xdd; 50], "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ((1..=25).collect(), &[0xcd; 50], "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (vec![0x0c; 20], b"Test With Truncation", "a3b6167473100ee06e0c796c2955552b"),
        (long_key.clone(), b"Test Using Larger Than Block-Size Key - Hash Key First", "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (long_key, b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.", "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ];
    for (n, (key, data, tag)) in cases.iter().enumerate() {
        let tag = unhex(tag);
        assert!(
            verify_hmac_sha256(key, data, &tag, tag.len()),
            "RFC 4231 case {}",
            n + 1
        );
        assert_eq!(
            &hmac_sha256(key, data)[..tag.len()],
            &tag[..],
            "RFC 4231 case {}",
            n + 1
        );
        let mut flipped = tag.clone();
        flipped[0] ^= 1;
        assert!(
            !verify_hmac_sha256(key, data, &flipped, tag.len()),
            "RFC 4231 case {} flipped",
            n + 1
        );
    }
}

#[test]
fn wycheproof_hmac_sha256_at_each_tag_size() {
    let doc = common::vectors("wycheproof_hmac_sha256_test.json");
    let (mut valid, mut invalid) = (0, 0);
    for group in doc["testGroups"].as_array().unwrap() {
        let tag_len = group["tagSize"].as_u64().unwrap() as usize / 8;
        for case in group["tests"].as_array().unwrap() {
            let id = &case["tcId"];
            let accepted = verify_hmac_sha256(
                &unhex(case["key"].as_str().unwrap()),
                &unhex(case["msg"].as_str().unwrap()),
                &unhex(case["tag"].as_str().unwrap()),
                tag_len,
            );
            match case["result"].as_str().unwrap() {
                "valid" => {
                    assert!(accepted, "tcId {id} must be accepted");
                    valid += 1;
                }
                "invalid" => {
                    assert!(!accepted, "tcId {id} must be refused");
                    invalid += 1;
                }
                other => panic!("tcId {id}: unexpected result {other}"),
            }
        }
    }
    assert_eq!(
        valid + invalid,
        doc["numberOfTests"].as_u64().unwrap() as usize
    );
}
