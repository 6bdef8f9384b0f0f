"""Seed the service catalogue: queues by department, 35 items that communities handle, a few routing rules."""

from django.db import migrations

QUEUES = [
    ("community_desk", "社区综合受理窗口", "Community one-stop desk", "community_desk"),
    ("civil_affairs", "民政服务", "Civil affairs", "civil_affairs"),
    ("human_resources", "人力资源和社会保障", "Human resources and social security", "human_resources"),
    ("disabled_persons", "残疾人联合会", "Disabled Persons' Federation", "disabled_persons"),
    ("health", "卫生健康", "Health", "health"),
    ("medical_insurance", "医疗保障", "Medical insurance", "medical_insurance"),
    ("public_security", "公安派出所", "Police station", "public_security"),
    ("veterans", "退役军人服务站", "Veterans' service station", "veterans"),
    ("housing", "住房和城乡建设", "Housing and construction", "housing"),
    ("urban_management", "城市管理", "Urban management", "urban_management"),
    ("environment", "生态环境", "Ecology and environment", "environment"),
]

PEOPLE = ["online", "on_behalf", "window"]
PLACES = ["online", "on_behalf", "window", "open311"]

NAME = ("name", "姓名", "Name", "text", True, "", [], "name")
ID_NUMBER = ("id_number", "身份证号码", "ID number", "text", True, "", [], "id_number")
PHONE = ("phone", "联系电话", "Phone", "text", True, "", [], "phone")
ADDRESS = ("address", "居住地址", "Address", "text", True, "", [], "address")
BIRTH = ("birth_date", "出生日期", "Birth date", "date", True, "", [], "birth_date")
HOUSEHOLD = ("household_size", "家庭人口数", "Household size", "number", True, "", [], "household_size")
BANK = ("bank", "开户银行", "Bank", "text", True, "发放补贴的银行，如：农业银行", [], "")
ACCOUNT = ("bank_account", "银行账号", "Bank account number", "text", True, "本人名下的银行卡或存折账号", [], "")
LOCATION_NOTE = ("landmark", "附近标志物", "Nearby landmark", "text", False, "如：3号楼东侧", [], "")


def choice(*pairs):
    return [{"key": key, "name": name, "name_en": name_en} for key, name, name_en in pairs]


ID_CARD = ("居民身份证", "Resident identity card", True, "正反面照片")
HUKOU_BOOK = ("户口簿", "Household register", False, "户主页和本人页")
BANK_CARD = ("银行卡或存折照片", "Photo of the bank card or passbook", True, "写有账号的一面")
INCOME = ("家庭收入证明", "Proof of household income", True, "近6个月工资流水或单位证明")
DISABILITY_CARD = ("残疾人证", "Disability certificate", True, "第二代残疾人证照片")
PHOTO = ("现场照片", "Photo of the place", False, "能看清问题的照片")

# code, name, name_en, category, department/queue, sla, unit, channels, proactive, location-based,
# rule, who is eligible, fields, materials, description
ITEMS = [
    ("elderly_allowance", "高龄津贴申领", "Old-age allowance", "养老服务", "civil_affairs", 10, "workdays", PEOPLE,
     True, False, 'age >= 80 and hukou == "registered"', "年满80周岁的本区户籍老年人",
     [NAME, ID_NUMBER, PHONE, ADDRESS, BANK, ACCOUNT], [BANK_CARD, HUKOU_BOOK],
     "年满80周岁的户籍老年人按月领取高龄津贴。符合条件的老人由社区主动核实发放，也可以自己申请。"),
    ("residence_certificate", "居住证明开具", "Certificate of residence", "证明开具", "community_desk", 3, "workdays",
     PEOPLE, False, False, "", "在本社区实际居住的居民", [NAME, ID_NUMBER, PHONE, ADDRESS,
     ("purpose", "用途", "Purpose", "single", True, "", choice(("school", "子女入学", "School enrolment"),
      ("social_security", "社保办理", "Social security"), ("other", "其他", "Other")), "")],
     [ID_CARD], "为在本社区实际居住的居民开具居住证明。"),
    ("minimum_allowance", "最低生活保障申请", "Minimum living allowance (dibao)", "社会救助", "civil_affairs", 30,
     "workdays", PEOPLE, False, False, "", "家庭人均收入低于当地低保标准的家庭",
     [NAME, ID_NUMBER, PHONE, ADDRESS, HOUSEHOLD,
      ("monthly_income", "家庭月收入（元）", "Monthly household income (yuan)", "number", True, "", [], ""),
      ("reason", "申请理由", "Reason", "long_text", True, "家庭困难情况", [], "")],
     [INCOME, ("户口簿", "Household register", True, "全户成员页")], "经审核符合条件的家庭按月领取低保金。"),
    ("disability_subsidies", "残疾人两项补贴申请", "Two subsidies for persons with disabilities", "助残服务",
     "disabled_persons", 20, "workdays", PEOPLE, True, False, '"disability" in tags', "持有第二代残疾人证的残疾人",
     [NAME, ID_NUMBER, PHONE, ("subsidy", "补贴类别", "Subsidy", "multiple", True, "",
      choice(("living", "困难残疾人生活补贴", "Living subsidy"), ("care", "重度残疾人护理补贴", "Care subsidy")), ""),
      BANK, ACCOUNT],
     [DISABILITY_CARD, BANK_CARD], "困难残疾人生活补贴和重度残疾人护理补贴。"),
    ("employment_registration", "就业登记", "Employment registration", "就业创业", "human_resources", 5,
     "workdays", PEOPLE, False, False, "age >= 16", "16周岁以上的劳动者",
     [NAME, ID_NUMBER, PHONE, ("employer", "用人单位", "Employer", "text", True, "", [], ""),
      ("start_date", "入职日期", "Start date", "date", True, "", [], "")],
     [("劳动合同", "Employment contract", False, "首页和签字页")], "劳动者就业后办理就业登记。"),
    ("flexible_employment_subsidy", "灵活就业社会保险补贴", "Social insurance subsidy for flexible employment",
     "就业创业", "human_resources", 20, "workdays", PEOPLE, True, False, '"employment_difficulty" in tags',
     "已认定的就业困难人员，灵活就业并缴纳社会保险", [NAME, ID_NUMBER, PHONE,
      ("job", "从事的工作", "Work done", "text", True, "如：网约车司机、家政服务", [], ""), BANK, ACCOUNT],
     [("社会保险缴费凭证", "Social insurance payment record", True, "近3个月")],
     "就业困难人员灵活就业后缴纳的社会保险费给予补贴。"),
    ("senior_card", "老年人优待证办理", "Senior citizen's preferential card", "养老服务", "civil_affairs", 5,
     "workdays", PEOPLE, False, False, "age >= 60", "年满60周岁的老年人（不限户籍）",
     [NAME, ID_NUMBER, PHONE, ADDRESS], [("一寸免冠照片", "Passport photo", True, "白底")],
     "凭优待证享受公交、景区等优待。"),
    ("unemployment_registration", "失业登记", "Unemployment registration", "就业创业", "human_resources", 3,
     "workdays", PEOPLE, False, False, "age >= 16", "16周岁以上、有劳动能力和就业愿望的失业人员",
     [NAME, ID_NUMBER, PHONE, ADDRESS], [], "办理失业登记后可享受就业服务。"),
    ("employment_difficulty", "就业困难人员认定", "Recognition as a person with employment difficulty",
     "就业创业", "human_resources", 10, "workdays", PEOPLE, False, False, "", "符合就业困难条件的失业人员",
     [NAME, ID_NUMBER, PHONE, ("category", "困难类别", "Category", "single", True, "",
      choice(("age", "大龄失业", "Older unemployed"), ("disability", "残疾", "Disability"),
             ("poverty", "低保家庭", "Dibao household"), ("other", "其他", "Other")), "")],
     [("失业登记证明", "Proof of unemployment registration", True, "")], "认定后可享受援助政策。"),
    ("public_welfare_post", "公益性岗位申请", "Public-welfare post application", "就业创业", "human_resources", 15,
     "workdays", PEOPLE, False, False, '"employment_difficulty" in tags', "已认定的就业困难人员",
     [NAME, ID_NUMBER, PHONE, ("post", "意向岗位", "Preferred post", "single", True, "",
      choice(("cleaning", "保洁", "Cleaning"), ("security", "治安巡逻", "Patrol"), ("care", "助老服务", "Elderly care")),
      "")], [], "政府开发的公益性岗位，优先安置就业困难人员。"),
    ("extreme_poverty_support", "特困人员救助供养申请", "Extreme-poverty support", "社会救助", "civil_affairs", 30,
     "workdays", PEOPLE, False, False, "", "无劳动能力、无生活来源、无法定赡养抚养扶养义务人的老年人、残疾人和未成年人",
     [NAME, ID_NUMBER, PHONE, ADDRESS, ("reason", "困难情况", "Situation", "long_text", True, "", [], "")],
     [HUKOU_BOOK], "对符合条件的特困人员提供基本生活和照料服务。"),
    ("temporary_assistance", "临时救助申请", "Temporary assistance", "社会救助", "civil_affairs", 10, "workdays",
     PEOPLE, False, False, "", "因急难事件导致基本生活暂时困难的家庭或个人（不限户籍）",
     [NAME, ID_NUMBER, PHONE, ("event", "急难情况", "What happened", "long_text", True, "", [], "")],
     [("相关证明", "Supporting documents", False, "医疗票据、事故证明等")], "急难型救助可先行救助、事后补充材料。"),
    ("home_care_subsidy", "居家养老服务补贴", "Home-care service subsidy", "养老服务", "civil_affairs", 15,
     "workdays", PEOPLE, True, False,
     'age >= 80 or (age >= 60 and ("minimum_allowance" in tags or "extreme_poverty" in tags))',
     "80周岁以上老人，或60周岁以上的低保、特困老人", [NAME, ID_NUMBER, PHONE, ADDRESS], [],
     "按月发放居家养老服务补贴，可用于助餐、助洁、助浴等服务。"),
    ("meal_assistance", "老年助餐登记", "Meal assistance registration", "养老服务", "civil_affairs", 5, "workdays",
     PEOPLE, False, False, "age >= 60", "60周岁以上老年人", [NAME, PHONE, ADDRESS,
      ("diet", "饮食要求", "Diet", "multiple", False, "", choice(("low_salt", "少盐", "Low salt"),
       ("soft", "软烂", "Soft food"), ("diabetic", "低糖", "Low sugar")), "")], [], "在社区老年餐桌就餐享受补贴。"),
    ("disability_card", "残疾人证办理", "Disability certificate", "助残服务", "disabled_persons", 20, "workdays",
     PEOPLE, False, False, "", "经评定符合残疾标准的人员", [NAME, ID_NUMBER, PHONE, ADDRESS,
      ("kind", "残疾类别", "Kind", "single", True, "", choice(("visual", "视力", "Visual"), ("hearing", "听力", "Hearing"),
       ("physical", "肢体", "Physical"), ("intellectual", "智力", "Intellectual"), ("mental", "精神", "Mental")), "")],
     [ID_CARD, ("二寸照片", "Two-inch photo", True, "")], "申请后安排残疾评定。"),
    ("birth_registration", "生育登记", "Birth registration", "卫生健康", "health", 3, "workdays", PEOPLE, False,
     False, "", "生育子女的夫妻", [NAME, ID_NUMBER, PHONE, ("due_date", "预产期", "Due date", "date", False, "", [], "")],
     [], "办理生育登记，享受孕产期保健服务。"),
    ("only_child_reward", "独生子女父母奖励", "Reward for parents of an only child", "卫生健康", "health", 10,
     "workdays", PEOPLE, False, False, "age >= 60", "年满60周岁的独生子女父母", [NAME, ID_NUMBER, PHONE, BANK, ACCOUNT],
     [("独生子女父母光荣证", "Only-child parents' certificate", True, "")], "按年发放奖励扶助金。"),
    ("family_planning_special_support", "计划生育特别扶助", "Special support for family-planning families",
     "卫生健康", "health", 20, "workdays", PEOPLE, False, False, "age >= 49", "独生子女伤残或死亡、女方年满49周岁的夫妻",
     [NAME, ID_NUMBER, PHONE, BANK, ACCOUNT], [("相关证明", "Supporting documents", True, "")], "按月发放特别扶助金。"),
    ("resident_medical_insurance", "城乡居民医保参保登记", "Residents' medical insurance enrolment", "医疗保障",
     "medical_insurance", 5, "workdays", PEOPLE, False, False, "", "未参加职工医保的城乡居民（含非户籍居住证持有人）",
     [NAME, ID_NUMBER, PHONE], [], "参保后按年缴费，享受医保待遇。"),
    ("resident_pension_insurance", "城乡居民养老保险参保登记", "Residents' pension insurance enrolment",
     "社会保障", "human_resources", 5, "workdays", PEOPLE, False, False, 'age >= 16 and hukou == "registered"',
     "年满16周岁、不在校、未参加职工养老保险的户籍居民",
     [NAME, ID_NUMBER, PHONE, ("grade", "缴费档次（元/年）", "Contribution (yuan/year)", "single", True, "",
      choice(("200", "200", "200"), ("500", "500", "500"), ("1000", "1000", "1000")), "")], [],
     "按年缴费，60周岁后按月领取养老金。"),
    ("residence_permit", "居住证申领", "Residence permit", "户籍证照", "public_security", 15, "workdays", PEOPLE,
     False, False, 'hukou == "non_registered"', "在本区居住半年以上的非本区户籍人员",
     [NAME, ID_NUMBER, PHONE, ADDRESS], [ID_CARD, ("居住证明或租房合同", "Proof of residence or lease", True, "")],
     "非户籍居民凭居住证享受基本公共服务。"),
    ("veteran_card", "退役军人优待证申领", "Veterans' preferential card", "退役军人服务", "veterans", 15,
     "workdays", PEOPLE, False, False, '"veteran" in tags', "退役军人和其他优抚对象", [NAME, ID_NUMBER, PHONE],
     [("退役证件", "Discharge certificate", True, "")], "凭证享受交通、文旅等优待。"),
    ("child_care_registration", "困境儿童关爱登记", "Care registration for children in difficulty", "儿童关爱",
     "civil_affairs", 5, "workdays", PEOPLE, False, False, "age < 18", "18周岁以下的困境儿童、留守儿童",
     [NAME, ID_NUMBER, ("guardian", "监护人", "Guardian", "text", True, "", [], ""), PHONE], [],
     "纳入儿童主任定期探访，落实基本生活保障。"),
    ("public_rental_housing", "公共租赁住房申请", "Public rental housing", "住房保障", "housing", 20, "workdays",
     PEOPLE, False, False, "age >= 18", "本区住房困难的中低收入家庭和新就业无房职工",
     [NAME, ID_NUMBER, PHONE, HOUSEHOLD, ("monthly_income", "家庭月收入（元）", "Monthly household income (yuan)",
      "number", True, "", [], "")], [INCOME], "符合条件的家庭轮候配租。"),
    ("funeral_subsidy", "惠民殡葬补贴", "Funeral subsidy", "社会救助", "civil_affairs", 10, "workdays", PEOPLE,
     False, False, "", "逝者为本区户籍或常住居民的家属", [NAME, PHONE, ("deceased", "逝者姓名", "Name of the deceased",
      "text", True, "", [], ""), BANK, ACCOUNT], [("火化证明", "Cremation certificate", True, "")],
     "减免基本殡葬服务费用。"),
    # Reports at a place (also over Open311).
    ("street_lamp", "路灯损坏", "Street lamp out of order", "城市管理", "urban_management", 72, "hours", PLACES,
     False, True, "", "", [("problem", "问题", "Problem", "single", True, "", choice(("off", "不亮", "Not lit"),
      ("flicker", "闪烁", "Flickering"), ("leaning", "倾斜倒伏", "Leaning or fallen")), ""),
      ("lamp_number", "灯杆编号", "Lamp post number", "text", False, "灯杆上的编号", [], ""), LOCATION_NOTE],
     [PHOTO], "路灯不亮、闪烁或灯杆倾斜。"),
    ("garbage_not_collected", "垃圾未清运", "Rubbish not collected", "城市管理", "urban_management", 24, "hours",
     PLACES, False, True, "", "", [("kind", "垃圾种类", "Kind", "single", True, "", choice(("household", "生活垃圾",
      "Household"), ("kitchen", "厨余垃圾", "Kitchen waste"), ("bulky", "大件垃圾", "Bulky waste"),
      ("construction", "建筑垃圾", "Construction waste")), ""), LOCATION_NOTE], [PHOTO], "垃圾桶满溢或垃圾堆放未清运。"),
    ("manhole_cover", "井盖缺失", "Missing manhole cover", "城市管理", "urban_management", 8, "hours", PLACES, False,
     True, "", "", [("problem", "问题", "Problem", "single", True, "", choice(("missing", "缺失", "Missing"),
      ("broken", "破损", "Broken"), ("sunken", "下沉", "Sunken")), ""), LOCATION_NOTE], [PHOTO],
     "井盖缺失或破损，危及行人和车辆安全，请尽快上报。"),
    ("noise", "噪声扰民", "Noise nuisance", "生态环境", "environment", 2, "workdays", PLACES, False, True, "", "",
     [("source", "噪声来源", "Source", "single", True, "", choice(("construction", "建筑施工", "Construction"),
      ("business", "商业经营", "Business"), ("neighbour", "社会生活", "Neighbourhood")), ""),
      ("time", "发生时段", "When", "text", False, "如：每晚22点后", [], "")], [], "施工、商铺或生活噪声影响休息。"),
    ("street_vending", "占道经营", "Street vending on the pavement", "城市管理", "urban_management", 48, "hours",
     PLACES, False, True, "", "", [LOCATION_NOTE], [PHOTO], "商贩占用道路、人行道经营。"),
    ("illegal_parking", "车辆乱停乱放", "Vehicles parked in the way", "城市管理", "urban_management", 24, "hours",
     PLACES, False, True, "", "", [("vehicle", "车辆类型", "Vehicle", "single", True, "", choice(("car", "机动车", "Car"),
      ("bike", "共享单车", "Shared bike"), ("ebike", "电动自行车", "E-bike")), ""), LOCATION_NOTE], [PHOTO],
     "车辆占用消防通道、盲道或人行道。"),
    ("road_damage", "道路破损", "Damaged road or pavement", "市政设施", "housing", 5, "workdays", PLACES, False, True,
     "", "", [LOCATION_NOTE], [PHOTO], "路面坑洼、人行道砖松动。"),
    ("water_leak", "供水管道漏水", "Water main leak", "市政设施", "housing", 24, "hours", PLACES, False, True, "", "",
     [LOCATION_NOTE], [PHOTO], "地面冒水、管道破裂。"),
    ("illegal_ads", "小广告乱贴乱画", "Illegal flyers and graffiti", "城市管理", "urban_management", 3, "workdays",
     PLACES, False, True, "", "", [LOCATION_NOTE], [PHOTO], "墙面、电线杆上的小广告和涂鸦。"),
    ("greenery_damage", "绿地树木损坏", "Damaged green space or tree", "城市管理", "urban_management", 5,
     "workdays", PLACES, False, True, "", "", [("problem", "问题", "Problem", "single", True, "", choice(
      ("fallen", "树木倒伏", "Fallen tree"), ("trampled", "绿地踩踏", "Trampled lawn"),
      ("branch", "枝杈过密", "Overgrown branches")), ""), LOCATION_NOTE], [PHOTO], "树木倒伏、绿地损坏。"),
]

# Noise from building sites goes to urban management, which enforces construction hours.
RULES = [
    (10, "noise", "", "施工,工地,打桩", "urban_management"),
]


def seed(apps, schema_editor):
    Queue = apps.get_model("servicedesk", "Queue")
    ServiceItem = apps.get_model("servicedesk", "ServiceItem")
    FormField = apps.get_model("servicedesk", "FormField")
    Material = apps.get_model("servicedesk", "Material")
    RoutingRule = apps.get_model("servicedesk", "RoutingRule")
    queues = {}
    for code, name, name_en, department in QUEUES:
        queues[code], _ = Queue.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "department": department}
        )
    for order, row in enumerate(ITEMS):
        (code, name, name_en, category, department, amount, unit, channels, proactive, located, rule, who,
         fields, materials, description) = row
        if ServiceItem.objects.filter(code=code).exists():
            continue
        item = ServiceItem.objects.create(
            code=code, name=name, name_en=name_en, category=category, department=department,
            description=description, eligibility_rule=rule, eligibility_text=who, sla_amount=amount,
            sla_unit=unit, queue=queues[department], channels=list(channels), is_proactive=proactive,
            is_location_based=located, order=order * 10, keywords=name,
        )
        FormField.objects.bulk_create(
            FormField(item=item, code=f[0], label=f[1], label_en=f[2], datatype=f[3], required=f[4],
                      description=f[5], values=f[6], prefill=f[7], order=i * 10)
            for i, f in enumerate(fields)
        )
        Material.objects.bulk_create(
            Material(item=item, name=m[0], name_en=m[1], required=m[2], example=m[3], order=i * 10)
            for i, m in enumerate(materials)
        )
    for priority, item_code, prefix, keywords, queue_code in RULES:
        RoutingRule.objects.get_or_create(
            priority=priority, item=ServiceItem.objects.get(code=item_code), area_prefix=prefix,
            keywords=keywords, defaults={"queue": queues[queue_code]},
        )


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0001_catalogue_cases_ratings")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
