//! Synthetic but plausible catalogue items for `--scale N` load work: names
//! built from each department kind's real subjects and the standard actions,
//! with guide maps on about 58% of them (1,814 of 3,100 in the real city).

use crate::DemoItem;
use tongban_domain::ItemCode;
use tongban_domain::catalogue::{
    ItemContent, ItemType, Jurisdiction, LimitsSource, MaterialForm, MaterialSpec, ResultType,
};
use tongban_domain::city::{DepartmentKind, RegionLevel};
use tongban_domain::guide::{GuideMap, GuideOption, Question, Situation};

fn subjects(kind: DepartmentKind) -> &'static [&'static str] {
    use DepartmentKind::*;
    match kind {
        Police => &[
            "户籍",
            "居住证",
            "临时身份证",
            "犬只",
            "旅馆业特种行业",
            "公章刻制",
            "保安服务",
            "机动车",
            "驾驶证",
            "出入境证件",
        ],
        MedicalInsurance => &[
            "职工医保",
            "城乡居民医保",
            "异地就医",
            "门诊慢特病",
            "定点医药机构",
            "生育保险",
            "医疗救助",
            "长期护理保险",
        ],
        HumanResources => &[
            "社会保障卡",
            "养老保险",
            "失业保险",
            "工伤保险",
            "就业登记",
            "职业技能等级",
            "人事档案",
            "劳务派遣",
        ],
        HousingFund => &[
            "住房公积金账户",
            "公积金缴存",
            "公积金贷款",
            "公积金提取",
            "缴存基数",
            "贷款担保",
        ],
        Education => &[
            "教师资格",
            "民办学校",
            "学籍",
            "校外培训机构",
            "学历证明",
            "中等职业学校",
        ],
        Health => &[
            "医师执业",
            "护士执业",
            "医疗机构执业",
            "公共场所卫生",
            "母婴保健技术",
            "放射诊疗",
            "出生医学证明",
            "饮用水供水单位",
        ],
        CivilAffairs => &[
            "婚姻",
            "社会团体",
            "民办非企业单位",
            "养老机构",
            "最低生活保障",
            "特困人员",
            "残疾人两项补贴",
            "殡葬服务",
        ],
        Housing => &[
            "建筑工程施工",
            "建筑业企业资质",
            "商品房预售",
            "房屋租赁",
            "物业服务",
            "燃气经营",
            "城市道路占用",
            "施工图审查",
        ],
        Justice => &[
            "法律援助",
            "公证",
            "人民调解",
            "律师执业",
            "基层法律服务",
            "司法鉴定",
        ],
        Tax => &[
            "税务登记",
            "发票",
            "增值税",
            "个人所得税",
            "车船税",
            "契税",
            "出口退税",
            "纳税证明",
        ],
        RealEstate => &[
            "国有建设用地使用权",
            "房屋所有权",
            "抵押权",
            "预告登记",
            "查封登记",
            "宅基地使用权",
            "不动产登记资料",
        ],
        MarketRegulation => &[
            "个体工商户",
            "有限责任公司",
            "食品经营",
            "特种设备",
            "计量器具",
            "广告发布",
            "药品零售",
            "农民专业合作社",
        ],
        Transport => &[
            "道路运输经营",
            "出租汽车",
            "网络预约出租汽车",
            "道路货物运输",
            "机动车维修",
            "驾驶员培训",
            "超限运输车辆",
            "港口经营",
        ],
    }
}

const ACTIONS: &[(&str, ItemType)] = &[
    ("登记", ItemType::AdministrativeConfirmation),
    ("变更登记", ItemType::AdministrativeConfirmation),
    ("注销登记", ItemType::AdministrativeConfirmation),
    ("许可", ItemType::AdministrativeLicense),
    ("许可延续", ItemType::AdministrativeLicense),
    ("备案", ItemType::OtherAdministrative),
    ("证明开具", ItemType::PublicService),
    ("信息查询", ItemType::PublicService),
    ("证件补发", ItemType::PublicService),
    ("补贴申领", ItemType::AdministrativePayment),
];

fn material(key: &str, name: &str, required: bool, license: Option<&str>) -> MaterialSpec {
    MaterialSpec {
        key: key.into(),
        name: name.into(),
        form: if license.is_some() {
            MaterialForm::Original
        } else {
            MaterialForm::OriginalAndCopy
        },
        copies: 1,
        required,
        license: license.map(str::to_owned),
        review_points: vec![
            format!("{name}真实有效、在有效期内"),
            "信息与申请表一致".into(),
        ],
    }
}

/// `n` synthetic items with codes `SX-00001`….
pub fn items(n: usize) -> Vec<DemoItem> {
    let mut out = Vec::with_capacity(n);
    let kinds = DepartmentKind::ALL;
    let mut i = 0usize;
    while out.len() < n {
        let kind = kinds[i % kinds.len()];
        let subs = subjects(kind);
        let round = i / kinds.len();
        let subject = subs[round % subs.len()];
        let (action, item_type) = ACTIONS[(round / subs.len()) % ACTIONS.len()];
        let variant = round / (subs.len() * ACTIONS.len());
        let name = if variant == 0 {
            format!("{subject}{action}")
        } else {
            format!("{subject}{action}（情形{}）", variant + 1)
        };
        let seq = out.len() + 1;
        let company = matches!(
            kind,
            DepartmentKind::MarketRegulation | DepartmentKind::Tax | DepartmentKind::Transport
        );
        let with_guide = seq % 50 < 29; // ≈ 58%
        let instant = seq % 4 == 0;
        let promised = if instant { 0 } else { (seq % 10) as u32 + 1 };
        let level = if seq % 3 == 0 {
            RegionLevel::City
        } else {
            RegionLevel::County
        };
        let mut materials = vec![
            if company {
                material("licence", "营业执照", true, Some("营业执照"))
            } else {
                material("id_card", "居民身份证", true, Some("居民身份证"))
            },
            material("form", &format!("{name}申请表"), true, None),
        ];
        let guide = if with_guide {
            materials.push(material("proxy", "授权委托书及受托人身份证明", false, None));
            let opt = |k: &str, l: &str| GuideOption {
                key: k.into(),
                label: l.into(),
            };
            GuideMap {
                questions: vec![Question {
                    key: "who".into(),
                    text: "由谁办理？".into(),
                    show_if: Default::default(),
                    options: vec![
                        opt("self", "本人（法定代表人）办理"),
                        opt("agent", "委托他人代办"),
                    ],
                }],
                situations: vec![
                    Situation {
                        key: "self".into(),
                        name: "本人办理".into(),
                        when: [("who".to_string(), "self".to_string())].into(),
                        materials: vec![],
                    },
                    Situation {
                        key: "agent".into(),
                        name: "委托代办".into(),
                        when: [("who".to_string(), "agent".to_string())].into(),
                        materials: vec!["proxy".into()],
                    },
                ],
            }
        } else {
            GuideMap::single("一般情形")
        };
        let content = ItemContent {
            code: ItemCode(format!("SX-{seq:05}")),
            name: name.clone(),
            department_kind: kind,
            item_type,
            level,
            jurisdiction: if level == RegionLevel::City {
                Jurisdiction::CityWide
            } else if company {
                Jurisdiction::CompanyRegistration
            } else {
                Jurisdiction::Household
            },
            legal_basis: format!("《{}管理办法》（合成数据）", subject),
            conditions: format!("符合{subject}相关规定的申请人"),
            legal_days: if instant { 0 } else { promised * 3 },
            promised_days: promised,
            instant,
            fee: "不收费".into(),
            online_stars: (seq % 3) as u8 + 3,
            max_visits: (seq % 2) as u8,
            result_type: ResultType::ResultNotice,
            result_name: format!("{name}结果告知书"),
            keywords: vec![subject.to_owned(), action.to_owned()],
            steps: vec![
                "申请".into(),
                "受理".into(),
                "审查".into(),
                "决定".into(),
                "送达".into(),
            ],
            limits_source: LimitsSource::Inferred,
            note: "合成数据，仅用于负载测试".into(),
            materials,
            guide,
        };
        out.push(DemoItem {
            content,
            aliases: vec![],
        });
        i += 1;
    }
    out
}
